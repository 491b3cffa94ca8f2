/**
 * Frame shapes (DESIGN §5). On the wire each frame is a CBOR array whose first element is the
 * kind; the fields follow in the order listed here, with no names. The logical session of the
 * envelope travels in the topic; the nonce and seq travel in the frame.
 */
export const PROTOCOL_VERSION = 1;

/** Error messages on the wire are cut to this many characters. */
export const MAX_ERROR_MESSAGE_CHARS = 4096;

/** Nonces, begin tokens and queue epochs are raw bytes of this length. */
export const NONCE_BYTES = 8;

export const Kind = {
  hello: 0,
  call: 1,
  reply: 2,
  notify: 3,
  ack: 4,
  begin: 5,
  end: 6,
  error: 7,
  resource: 8,
  blob: 9,
} as const;

export type KindName = keyof typeof Kind;

/**
 * `[0, version, acked, agent, nonce, epoch]`. Device → proxy: "I am listening; every
 * notification up to acked, in the queue `epoch`, is handled; send the rest again", from the
 * instance `nonce` (null without one: then acked is not applied). Proxy → device, the answer:
 * acked is the proxy's last notification seq (the horizon), nonce is null, epoch names the
 * queue; the whole unacknowledged queue follows in order.
 */
export interface HelloFrame {
  kind: typeof Kind.hello;
  version: number;
  acked: number;
  agent: string;
  nonce: Uint8Array | null;
  /** The queue's incarnation: a queue made anew (its record lost) has a new epoch. */
  epoch: Uint8Array | null;
}

/**
 * `[1, nonce, seq, answered, method, args]` device → proxy. `answered` is the highest seq up to
 * which the device holds every reply: those seqs need no cached reply any more, and a proxy
 * reloaded from the store may skip past them (any of them that wrote was committed before its
 * reply left, so only read-only calls can be missing from the stored record).
 */
export interface CallFrame {
  kind: typeof Kind.call;
  nonce: Uint8Array;
  seq: number;
  answered: number;
  method: string;
  args: unknown[];
}

/** `[2, ref, seq, value]` proxy → device; `ref` is the call's nonce, or the begin token. */
export interface ReplyFrame {
  kind: typeof Kind.reply;
  ref: Uint8Array;
  seq: number;
  value: unknown;
}

/** `[3, seq, payload, dropped]` proxy → device; `dropped` counts overflow losses before it. */
export interface NotifyFrame {
  kind: typeof Kind.notify;
  seq: number;
  payload: unknown;
  dropped: number;
}

/**
 * `[4, nonce, seq]` device → proxy: every notification up to seq is handled (cumulative). Only
 * the session's current instance may acknowledge, so a fenced device cannot.
 */
export interface AckFrame {
  kind: typeof Kind.ack;
  nonce: Uint8Array;
  seq: number;
}

/** `[5, version, token, info]` device → proxy; answered by a reply whose ref is the token. */
export interface BeginFrame {
  kind: typeof Kind.begin;
  version: number;
  token: Uint8Array;
  info: unknown;
}

/** `[6, nonce, seq]` device → proxy: ends the session instance. */
export interface EndFrame {
  kind: typeof Kind.end;
  nonce: Uint8Array;
  seq: number;
}

/** `[7, ref, seq, code, message, data]` proxy → device; ref is null when nothing is answered. */
export interface ErrorFrame {
  kind: typeof Kind.error;
  ref: Uint8Array | null;
  seq: number;
  code: string;
  message: string;
  data: unknown;
}

/**
 * The verbs of the session address space (DESIGN §6, after NetKernel's session: scheme), and a
 * listing: the keys of a session, or the sessions of a proxy with their visits.
 */
export const Verb = {
  new: 0,
  source: 1,
  sink: 2,
  exists: 3,
  delete: 4,
  list: 5,
} as const;

export type VerbName = keyof typeof Verb;
export type VerbCode = (typeof Verb)[VerbName];

/** Options of a resource request; each verb reads only its own. */
export interface ResourceOptions {
  /** SINK: the resource expires this many ms after the write (on the proxy's clock). */
  ttl?: number;
  /** SINK: the SOURCE that returns the value deletes it in the same commit. */
  once?: boolean;
  /** LIST of sessions: start after this session name (the previous page's `next`). */
  after?: string;
  /**
   * Any verb: this request was sent before, unanswered (the same ref and request). A SOURCE sent
   * again whose answer is no longer kept and whose resource is gone is answered OUTCOME_UNKNOWN,
   * not "absent": the first send may have consumed it (DESIGN §6).
   */
  again?: boolean;
}

/**
 * `[8, ref, verb, session, key, value, options]` device → proxy: a request on the session address
 * `session:<app>/<id>/<session>+<key>` of the proxy whose topic it arrives on. `session` is null
 * for NEW and for the listing of sessions, `key` null for those and for the listing of keys;
 * `value` is SINK's (null otherwise). Answered by a reply `[2, ref, 0, value]` or an error
 * `[7, ref, 0, …]` on the topic's `out`; a write is committed before its answer leaves.
 */
export interface ResourceFrame {
  kind: typeof Kind.resource;
  ref: Uint8Array;
  verb: VerbCode;
  session: string | null;
  key: string | null;
  value: unknown;
  options: ResourceOptions | null;
}

/**
 * `[9, ref, blob]` or `[9, ref, blob, marker]` (DESIGN §7, docs/sessions.md "Sealed session
 * blobs"). Proxy → device, ref null: keep this sealed copy of the session's record, the newest
 * replaces any older (and any marker); or, `blob` null, a sealed `marker`: "the newest record did
 * not fit in a frame: keep your blob, and this with it". Device → proxy, ref 8 bytes: "I keep
 * blobs" and, when `blob` is not null, "restore from it if your copy is missing or older", with
 * the marker it holds; answered by a reply `[2, ref, 0, status]` or an error `[7, ref, 0, …]`.
 */
export interface BlobFrame {
  kind: typeof Kind.blob;
  ref: Uint8Array | null;
  blob: Uint8Array | null;
  /** Absent in the three-element spelling. */
  marker?: Uint8Array;
}

export type Frame =
  | HelloFrame
  | CallFrame
  | ReplyFrame
  | NotifyFrame
  | AckFrame
  | BeginFrame
  | EndFrame
  | ErrorFrame
  | ResourceFrame
  | BlobFrame;

/** The value of the reply to a begin: `[nonce, memento, crashed]`. */
export interface Begun {
  nonce: Uint8Array;
  memento: unknown;
  crashed: boolean;
}
