import type { TimerHandle } from '../../shared/clock.js';
import { toHex } from '../../shared/bytes.js';
import { SteadError, deviceReaction, isErrorCode } from '../../shared/errors.js';
import { assertName } from '../../shared/names.js';
import { assertKey, type SessionListing, type SinkOptions } from '../../shared/session-address.js';
import { decodeFrame, encodeFrame } from '../../shared/wire/codec.js';
import { Kind, Verb, type ResourceOptions, type VerbCode } from '../../shared/wire/frames.js';
import { RetryTimer } from '../session/retry-timer.js';
import type { SessionLink } from '../session/types.js';

export interface ResourceClientOptions {
  /**
   * The logical session whose topics carry the requests and answers; default a random
   * `r-<hex>` of its own, so answers never meet a session's traffic.
   */
  channel?: string;
  /** Per-request deadline; default the device's callDeadlineMs. The request fails with DEADLINE. */
  deadlineMs?: number;
  /** Unanswered requests are sent again (same ref) after this long; default 1 s. */
  retryMs?: number;
}

/** A request made under a ref chosen (and kept, as `stead session get` journals it) by the caller. */
export interface ResumedRequest {
  readonly ref: Uint8Array;
  /** It may have gone out before (an earlier run): sent marked `again` from the start. */
  readonly sentBefore: boolean;
}

interface Pending {
  bytes: Uint8Array;
  /** The same request marked `again`: what goes out once `bytes` has been sent. */
  again: Uint8Array;
  sent: boolean;
  sentAt: number;
  timer: TimerHandle;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The device's client of a proxy's session address space (DESIGN §6): NEW, SOURCE, SINK, EXISTS,
 * DELETE and the listings, as `[8, ref, …]` frames answered by ref. A request is sent again with
 * the same ref until answered (across reconnects): the proxy answers a write it already did
 * from the answer it kept, so a lost answer never costs a second effect or a consumed value.
 */
export class ResourceClient {
  readonly proxy: string;
  readonly channel: string;
  readonly #link: SessionLink;
  readonly #deadlineMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #retry: RetryTimer;
  #attached = false;
  #attaching = 0;
  #closed = false;

  constructor(link: SessionLink, proxy: string, channel: string, options: ResourceClientOptions) {
    this.#link = link;
    this.proxy = proxy;
    this.channel = channel;
    this.#deadlineMs = timerMs('deadlineMs', options.deadlineMs ?? link.limits.callDeadlineMs);
    this.#retry = new RetryTimer(link.clock, timerMs('retryMs', options.retryMs ?? 1000), (staleAt) => this.#resendStale(staleAt));
  }

  /** NEW: a new logical session with an unguessable id (server-assigned sessions). */
  async newSession(): Promise<string> {
    return (await this.#request(Verb.new, null, null, null, null)) as string;
  }

  /**
   * SOURCE: the value, or undefined when absent; a once-only value is consumed by this read.
   * `as`: the request's own ref, to send a request of an earlier run again and get its answer.
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

  /** (Re)connected: subscribe, then send every unanswered request again. */
  attach(): void {
    const attempt = ++this.#attaching;
    this.#attached = false;
    this.#link.subscribe().then(
      () => {
        if (attempt !== this.#attaching || this.#closed || !this.#link.connected()) return;
        this.#attached = true;
        for (const pending of this.#pending.values()) this.#send(pending);
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
    if ((frame.kind !== Kind.reply && frame.kind !== Kind.error) || frame.seq !== 0 || frame.ref === null) return false;
    const id = toHex(frame.ref);
    const pending = this.#pending.get(id);
    if (!pending) return false;
    if (frame.kind === Kind.reply) return this.#settle(id, pending, null, frame.value);
    const error = new SteadError(isErrorCode(frame.code) ? frame.code : 'APP_ERROR', frame.message, { data: frame.data });
    // Not taken (a full inbox, a failed commit): the retry timer sends it again, same ref.
    if (deviceReaction(error.code) === 'retry') return true;
    return this.#settle(id, pending, error);
  }

  #request(verb: VerbCode, session: string | null, key: string | null, value: unknown, options: ResourceOptions | null, as?: ResumedRequest): Promise<unknown> {
    if (this.#closed) return Promise.reject(new SteadError('CLOSED', 'resource client is closed'));
    const ref = as?.ref ?? this.#link.random.nonce();
    const bytes = encodeFrame({ kind: Kind.resource, ref, verb, session, key, value, options });
    // Sent again, the request says so: the proxy then tells a lost answer from an absent value.
    const again = encodeFrame({ kind: Kind.resource, ref, verb, session, key, value, options: { ...options, again: true } });
    if (again.length > this.#link.limits.maxFrameBytes) {
      return Promise.reject(new SteadError('FRAME_TOO_LARGE', `request of ${again.length} bytes exceeds ${this.#link.limits.maxFrameBytes}`));
    }
    const id = toHex(ref);
    return new Promise((resolve, reject) => {
      const timer = this.#link.clock.setTimeout(() => {
        const pending = this.#pending.get(id);
        if (pending) this.#settle(id, pending, new SteadError('DEADLINE', 'the resource request got no answer in time; a write may or may not have happened'));
      }, this.#deadlineMs);
      const pending: Pending = { bytes, again, sent: as?.sentBefore ?? false, sentAt: -Infinity, timer, resolve, reject };
      this.#pending.set(id, pending);
      this.#send(pending);
    });
  }

  #send(pending: Pending): void {
    if (!this.#attached) return;
    pending.sentAt = this.#link.clock.monotonic();
    this.#link.publish(pending.sent ? pending.again : pending.bytes);
    pending.sent = true;
    this.#retry.arm();
  }

  #resendStale(staleAt: number): void {
    if (this.#attached) for (const pending of this.#pending.values()) if (pending.sentAt <= staleAt) this.#send(pending);
    if (this.#pending.size > 0 && !this.#closed) this.#retry.arm();
  }

  #settle(id: string, pending: Pending, error: unknown, value?: unknown): true {
    this.#pending.delete(id);
    this.#link.clock.clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
    if (this.#pending.size === 0) this.#retry.stop();
    return true;
  }

  #failAll(error: unknown): void {
    for (const [id, pending] of [...this.#pending]) this.#settle(id, pending, error);
  }
}

/** Node's timers take at most 2^31 - 1 ms; a longer (or NaN) delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function timerMs(name: string, ms: number): number {
  if (!(ms >= 1 && ms <= MAX_TIMER_MS)) throw new SteadError('BAD_OPTIONS', `${name} must be from 1 to ${MAX_TIMER_MS} ms, got ${ms}`);
  return ms;
}

/** A resource's address parts, checked here so a bad one fails before anything is sent. */
function resource(session: string, key: string): [string, string] {
  assertName('session', session);
  assertKey(key);
  return [session, key];
}
