import type { SteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import type { CallFrame, ResourceFrame } from '../../shared/wire/frames.js';
import type { SessionRecord } from '../record/record.js';

/**
 * What a handler sees of its proxy: the session records and the means to decide. Handlers never
 * change anything: they return a verdict, and the proxy carries it out (as aedes' handlers take
 * the client and never import the broker).
 */
export interface SessionView {
  readonly limits: Limits;
  session(name: string): SessionRecord | undefined;
  readonly sessionCount: number;
  now(): number;
  newNonce(): Uint8Array;
  /** The answer kept for a resource write with this request key (DESIGN §6), if any. */
  resourceAnswer(request: Uint8Array): Uint8Array | undefined;
}

/** A handler's decision about one frame. */
export type Verdict =
  /** Bytes that need no commit of their own: a cached reply, a repeated answer. */
  | { kind: 'send'; bytes: Uint8Array }
  /** A typed error for the frame's (ref, seq); not cached, nothing changed. */
  | { kind: 'refuse'; ref: Uint8Array | null; seq: number; error: SteadError }
  /** Rule 4: the call waits for the gap before it to fill. */
  | { kind: 'hold'; frame: CallFrame; skipTo: number }
  /** Rules 5–7: run the method. */
  | { kind: 'run'; frame: CallFrame; skipTo: number }
  /** A session resource request, run as a transaction of its own (DESIGN §6). */
  | { kind: 'resource'; frame: ResourceFrame; request: Uint8Array }
  /** A device keeps sealed blobs, and may present one to restore from (DESIGN §7). */
  | { kind: 'blob'; ref: Uint8Array; blob: Uint8Array | null }
  /** Bookkeeping: the session's new record, the bytes that answer, and whether it must be durable first. */
  | Update
  /** Nothing to do (an ack that acknowledges nothing new). */
  | { kind: 'nothing' };

export interface Update {
  kind: 'update';
  session: SessionRecord;
  send: Uint8Array | null;
  /** An error frame that leaves before `send`: a hello from an instance that is not current. */
  refusal?: { ref: Uint8Array; error: SteadError } | null;
  /** Commit before anything leaves (a begin, an end, an ack); false for what may be lost. */
  durable: boolean;
  /** Forget requests held for the old instance. */
  dropHeld: boolean;
  /** After the answer, send again every unacknowledged notification (a hello). */
  resendQueue: boolean;
}
