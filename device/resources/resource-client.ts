import type { TimerHandle } from '../../shared/clock.js';
import { bytesEqual } from '../../shared/bytes.js';
import { SteadError, deviceReaction, isErrorCode } from '../../shared/errors.js';
import { assertName } from '../../shared/names.js';
import { assertKey, type SessionListing, type SinkOptions } from '../../shared/session-address.js';
import { decodeFrame, encodeFrame } from '../../shared/wire/codec.js';
import { Kind, NONCE_BYTES, Verb, type ResourceOptions, type VerbCode } from '../../shared/wire/frames.js';
import { RetryTimer } from '../session/retry-timer.js';
import type { SessionLink } from '../session/types.js';

export interface ResourceClientOptions {
  /**
   * The logical session whose topics carry the requests and answers; default a random
   * `r-<hex>` of its own, so answers never meet a session's traffic.
   */
  channel?: string;
  /**
   * The client's id on its channel: 8 bytes that, with the channel, name its requests to the proxy
   * (DESIGN §6); default random, so two clients on one channel never collide. Give one only to take
   * up an earlier client's requests (as `stead session get` does from its journal), with `seq`.
   */
  id?: Uint8Array;
  /** The seq of the first request (requests are numbered 1, 2, 3 …); default 1. */
  seq?: number;
  /** Per-request deadline; default the device's callDeadlineMs. The request fails with DEADLINE. */
  deadlineMs?: number;
  /** Unanswered requests are sent again (same seq) after this long; default 1 s. */
  retryMs?: number;
}

/** A request that may have gone out before, from an earlier run (as `stead session get` journals it). */
export interface ResumedRequest {
  /** Sent marked `again` from the start. */
  readonly sentBefore: boolean;
}

interface Pending {
  readonly verb: VerbCode;
  readonly session: string | null;
  readonly key: string | null;
  readonly value: unknown;
  readonly options: ResourceOptions | null;
  /** 0 while it waits for the window. */
  seq: number;
  /** It went out before: sent again marked `again`. */
  sent: boolean;
  sentAt: number;
  readonly timer: TimerHandle;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The largest a seq or an answered can be: a frame's size is checked with these. */
const WIDEST_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * The device's client of a proxy's session address space (DESIGN §6): NEW, SOURCE, SINK, EXISTS,
 * DELETE and the listings, as `[8, ref, seq, answered, …]` frames answered by ref and seq. Its
 * requests are numbered on its channel like calls (DESIGN §4): seq n goes out only while
 * `n - answered ≤ maxWindow`, and is sent again under the same seq until answered (across
 * reconnects). The proxy answers a write it already did from the answer it kept, and never runs
 * a request at or below `answered` again: a lost answer never costs a second effect.
 */
export class ResourceClient {
  readonly proxy: string;
  readonly channel: string;
  readonly #link: SessionLink;
  readonly #id: Uint8Array;
  readonly #deadlineMs: number;
  readonly #window: number;
  readonly #inflight = new Map<number, Pending>();
  #waiting: Pending[] = [];
  #nextSeq: number;
  readonly #retry: RetryTimer;
  #attached = false;
  #attaching = 0;
  #closed = false;

  constructor(link: SessionLink, proxy: string, channel: string, options: ResourceClientOptions) {
    this.#link = link;
    this.proxy = proxy;
    this.channel = channel;
    this.#id = options.id === undefined ? link.random.nonce() : idOf(options.id);
    this.#nextSeq = options.seq === undefined ? 1 : firstSeq(options.seq);
    this.#window = Math.max(1, link.limits.maxWindow);
    this.#deadlineMs = timerMs('deadlineMs', options.deadlineMs ?? link.limits.callDeadlineMs);
    this.#retry = new RetryTimer(link.clock, timerMs('retryMs', options.retryMs ?? 1000), (staleAt) => this.#resendStale(staleAt));
  }

  /** NEW: a new logical session with an unguessable id (server-assigned sessions). */
  async newSession(): Promise<string> {
    return (await this.#request(Verb.new, null, null, null, null)) as string;
  }

  /**
   * SOURCE: the value, or undefined when absent; a once-only value is consumed by this read.
   * `as`: this is an earlier run's request, taken up under its id and seq (ResourceClientOptions),
   * to get its answer.
   */
  source(session: string, key: string, as?: ResumedRequest): Promise<unknown> {
    return this.#request(Verb.source, ...resource(session, key), null, null, as);
  }

  /** SINK: stores a plain-data value (not undefined), replacing any. */
  async sink(session: string, key: string, value: unknown, options: SinkOptions = {}): Promise<void> {
    const wire: ResourceOptions = {};
    if (options.ttlMs !== undefined) wire.ttl = options.ttlMs;
    if (options.once !== undefined) wire.once = options.once;
    await this.#request(Verb.sink, ...resource(session, key), value, Object.keys(wire).length > 0 ? wire : null);
  }

  async exists(session: string, key: string): Promise<boolean> {
    return (await this.#request(Verb.exists, ...resource(session, key), null, null)) === true;
  }

  /** DELETE: whether a live resource was there. */
  async delete(session: string, key: string): Promise<boolean> {
    return (await this.#request(Verb.delete, ...resource(session, key), null, null)) === true;
  }

  /** The keys of a session's live resources, sorted. */
  async keys(session: string): Promise<string[]> {
    assertName('session', session);
    return (await this.#request(Verb.list, session, null, null, null)) as string[];
  }

  /** One page of the proxy's sessions, with their visits; pass `next` for the following page. */
  async sessions(after: string | null = null): Promise<SessionListing> {
    return (await this.#request(Verb.list, null, null, null, after === null ? null : { after })) as SessionListing;
  }

  async close(): Promise<void> {
    this.shutdown();
    this.#link.forget();
  }

  // Called by the device.

  /** (Re)connected: subscribe, then send every unanswered request again, in seq order. */
  attach(): void {
    const attempt = ++this.#attaching;
    this.#attached = false;
    this.#link.subscribe().then(
      () => {
        if (attempt !== this.#attaching || this.#closed || !this.#link.connected()) return;
        this.#attached = true;
        for (const pending of this.#inflight.values()) this.#send(pending);
        this.#admit();
      },
      (error: unknown) => {
        if (attempt === this.#attaching && !this.#closed) this.#failAll(error);
      },
    );
  }

  detach(): void {
    this.#attaching++;
    this.#attached = false;
  }

  shutdown(): void {
    if (this.#closed) return;
    this.#failAll(new SteadError('CLOSED', 'resource client is closed'));
    this.#closed = true;
    this.#retry.stop();
  }

  /** Takes an answer to one of its requests; false for anything else (it belongs to a session). */
  receive(payload: Uint8Array): boolean {
    let frame;
    try {
      frame = decodeFrame(payload, this.#link.limits.maxFrameBytes);
    } catch {
      return false;
    }
    if ((frame.kind !== Kind.reply && frame.kind !== Kind.error) || !bytesEqual(frame.ref, this.#id)) return false;
    // Ours, even when no longer pending (a duplicate answer): never a session's.
    const pending = this.#inflight.get(frame.seq);
    if (!pending) return true;
    if (frame.kind === Kind.reply) return this.#settle(pending, null, frame.value);
    const error = new SteadError(isErrorCode(frame.code) ? frame.code : 'APP_ERROR', frame.message, { data: frame.data });
    // Not taken (a full inbox, a failed commit): the retry timer sends it again, same seq.
    if (deviceReaction(error.code) === 'retry') return true;
    return this.#settle(pending, error);
  }

  #request(verb: VerbCode, session: string | null, key: string | null, value: unknown, options: ResourceOptions | null, as?: ResumedRequest): Promise<unknown> {
    if (this.#closed) return Promise.reject(new SteadError('CLOSED', 'resource client is closed'));
    // Checked at its widest (any seq, marked again), so it fits whenever it goes out.
    const widest = this.#frame(verb, session, key, value, { ...options, again: true }, WIDEST_SEQ, WIDEST_SEQ - 1);
    if (widest.length > this.#link.limits.maxFrameBytes) {
      return Promise.reject(new SteadError('FRAME_TOO_LARGE', `request of ${widest.length} bytes exceeds ${this.#link.limits.maxFrameBytes}`));
    }
    return new Promise((resolve, reject) => {
      const timer = this.#link.clock.setTimeout(() => this.#expire(pending), this.#deadlineMs);
      const pending: Pending = { verb, session, key, value, options, seq: 0, sent: as?.sentBefore ?? false, sentAt: -Infinity, timer, resolve, reject };
      this.#waiting.push(pending);
      this.#admit();
    });
  }

  /** Waiting requests go out under the next seqs while the span from `answered` stays in the window. */
  #admit(): void {
    if (!this.#attached) return;
    while (this.#waiting.length > 0 && this.#nextSeq - this.#answered() <= this.#window) {
      const pending = this.#waiting.shift() as Pending;
      pending.seq = this.#nextSeq++;
      this.#inflight.set(pending.seq, pending);
      this.#send(pending);
    }
  }

  /** Highest seq up to which every request is settled (answered, or given up). */
  #answered(): number {
    let lowest = this.#nextSeq;
    for (const seq of this.#inflight.keys()) if (seq < lowest) lowest = seq;
    return lowest - 1;
  }

  #send(pending: Pending): void {
    if (!this.#attached) return;
    pending.sentAt = this.#link.clock.monotonic();
    // Sent again, the request says so: the proxy then tells a lost answer it forgot from a new request.
    const options = pending.sent ? { ...pending.options, again: true } : pending.options;
    this.#link.publish(this.#frame(pending.verb, pending.session, pending.key, pending.value, options, pending.seq, this.#answered()));
    pending.sent = true;
    this.#retry.arm();
  }

  #frame(verb: VerbCode, session: string | null, key: string | null, value: unknown, options: ResourceOptions | null, seq: number, answered: number): Uint8Array {
    return encodeFrame({ kind: Kind.resource, ref: this.#id, seq, answered, verb, session, key, value, options });
  }

  #resendStale(staleAt: number): void {
    if (this.#attached) for (const pending of this.#inflight.values()) if (pending.sentAt <= staleAt) this.#send(pending);
    if (this.#inflight.size > 0 && !this.#closed) this.#retry.arm();
  }

  /** Its deadline: given up, its seq counts as settled (the proxy never runs it after a later `answered`). */
  #expire(pending: Pending): void {
    if (pending.seq > 0 && this.#inflight.get(pending.seq) === pending) {
      this.#settle(pending, new SteadError('DEADLINE', 'the resource request got no answer in time; a write may or may not have happened'));
    } else if (this.#waiting.includes(pending)) {
      this.#settle(pending, new SteadError('DEADLINE', 'the resource request could not be sent in time (offline, or its window stayed full); it did not run'));
    }
  }

  #settle(pending: Pending, error: unknown, value?: unknown): true {
    if (pending.seq > 0) this.#inflight.delete(pending.seq);
    else this.#waiting = this.#waiting.filter((other) => other !== pending);
    this.#link.clock.clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
    if (this.#inflight.size === 0) this.#retry.stop();
    this.#admit();
    return true;
  }

  #failAll(error: unknown): void {
    for (const pending of [...this.#inflight.values(), ...this.#waiting]) this.#settle(pending, error);
  }
}

/** Node's timers take at most 2^31 - 1 ms; a longer (or NaN) delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function timerMs(name: string, ms: number): number {
  if (!(ms >= 1 && ms <= MAX_TIMER_MS)) throw new SteadError('BAD_OPTIONS', `${name} must be from 1 to ${MAX_TIMER_MS} ms, got ${ms}`);
  return ms;
}

function idOf(id: Uint8Array): Uint8Array {
  if (!(id instanceof Uint8Array) || id.length !== NONCE_BYTES) throw new SteadError('BAD_OPTIONS', `id must be ${NONCE_BYTES} bytes`);
  return Uint8Array.from(id);
}

function firstSeq(seq: number): number {
  if (!(Number.isSafeInteger(seq) && seq >= 1)) throw new SteadError('BAD_OPTIONS', `seq must be a positive integer, got ${seq}`);
  return seq;
}

/** A resource's address parts, checked here so a bad one fails before anything is sent. */
function resource(session: string, key: string): [string, string] {
  assertName('session', session);
  assertKey(key);
  return [session, key];
}
