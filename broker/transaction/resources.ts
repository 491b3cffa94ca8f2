import { toHex } from '../../shared/bytes.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { assertName } from '../../shared/names.js';
import { assertKey } from '../../shared/session-address.js';
import { ValueTooLarge, encodeValue } from '../../shared/wire/codec.js';
import { copyPlainData } from '../../shared/wire/plain-data.js';
import type { SessionListing, SinkOptions } from '../../shared/session-address.js';
import type { SessionResources } from '../apps/define-proxy.js';
import type { SessionRecord } from '../record/record.js';
import { liveKeys, liveResource, withResource, withoutExpired, withoutResource } from '../record/resources.js';
import { plainCopy } from '../record/replies.js';
import type { SessionTable } from '../record/session-table.js';

/** What the resource verbs need of their transaction: its overlay, its clock, its effect rule. */
export interface ResourceHost {
  readonly limits: Limits;
  now(): number;
  newNonce(): Uint8Array;
  /** CONTEXT_CLOSED once the method settled. */
  live(): void;
  /** Runs a write; a refusal dooms the transaction (as every effect's does). */
  effect(apply: () => void): void;
  view(): SessionTable<SessionRecord>;
  /** The session as the transaction sees it, created (within SESSION_LIMIT) if new. */
  open(name: string): SessionRecord;
  put(name: string, session: SessionRecord): void;
  /** A resource written now expires at `time`. */
  expires(time: number): void;
}

/** Bytes of a listing page left for the frame around it (reply header, `next`). */
const PAGE_MARGIN = 256;

/**
 * The verbs of the session address space inside a transaction (DESIGN §6): writes go to the
 * transaction's copy-on-write overlay and commit with it, reads see the transaction's own writes.
 * Values are plain data, copied on the way in and on the way out, so app code never holds a
 * part of the record.
 */
export class TransactionResources implements SessionResources {
  readonly #host: ResourceHost;

  constructor(host: ResourceHost) {
    this.#host = host;
  }

  /** NEW: a session with an unguessable id (128 random bits), for server-assigned sessions. */
  newSession(): string {
    let id = '';
    this.#host.effect(() => {
      do id = toHex(this.#host.newNonce()) + toHex(this.#host.newNonce());
      while (this.#host.view().has(id));
      this.#host.open(id);
    });
    return id;
  }

  /** SOURCE: the value, or undefined when absent (or expired); a once-only value is consumed. */
  source(session: string, key: string): unknown {
    this.#host.live();
    checkAddress(session, key);
    const s = this.#host.view().get(session);
    const resource = liveResource(s, key, this.#host.now());
    if (!resource) return undefined;
    // The read that returns a once-only value deletes it, in the same commit (DESIGN §6).
    if (resource.once) this.#host.effect(() => this.#host.put(session, withoutResource(s as SessionRecord, key)));
    return copyPlainData(resource.value, Infinity);
  }

  /** SINK: stores a value (replacing any); `ttlMs` makes it expire, `once` makes it once-only. */
  sink(session: string, key: string, value: unknown, options: SinkOptions = {}): void {
    this.#host.effect(() => {
      checkAddress(session, key);
      const { ttlMs, once } = checkOptions(options);
      const copy = resourceValue(value, this.#host.limits);
      const now = this.#host.now();
      const s = withoutExpired(this.#host.open(session), now);
      const max = this.#host.limits.maxResourcesPerSession;
      if (!s.resources.has(key) && s.resources.size >= max) throw new SteadError('RESOURCE_LIMIT', `session ${session} holds ${max} resources at most`);
      const expiresAt = ttlMs === null ? null : now + ttlMs;
      if (expiresAt !== null) this.#host.expires(expiresAt);
      this.#host.put(session, withResource(s, key, { value: copy, expiresAt, once }));
    });
  }

  /** EXISTS: whether a live resource is there (a once-only one is not consumed by asking). */
  exists(session: string, key: string): boolean {
    this.#host.live();
    checkAddress(session, key);
    return liveResource(this.#host.view().get(session), key, this.#host.now()) !== undefined;
  }

  /** DELETE: removes the resource; whether a live one was there. */
  delete(session: string, key: string): boolean {
    let existed = false;
    this.#host.effect(() => {
      checkAddress(session, key);
      const s = this.#host.view().get(session);
      if (!s?.resources.has(key)) return;
      existed = liveResource(s, key, this.#host.now()) !== undefined;
      this.#host.put(session, withoutResource(s, key));
    });
    return existed;
  }

  /** The keys of a session's live resources, sorted. */
  keys(session: string): string[] {
    this.#host.live();
    assertName('session', session);
    return liveKeys(this.#host.view().get(session), this.#host.now());
  }

  /**
   * The proxy's sessions with their visits and resource counts, sorted by name, from after
   * `after`, as many as fit in one frame; `next` is where the following page starts.
   */
  sessions(after: string | null = null): SessionListing {
    this.#host.live();
    const now = this.#host.now();
    const names = [...this.#host.view().keys()].filter((name) => after === null || name > after).sort();
    const budget = this.#host.limits.maxFrameBytes - PAGE_MARGIN;
    const page: SessionListing['sessions'] = [];
    let used = 0;
    for (const name of names) {
      const s = this.#host.view().get(name) as SessionRecord;
      const { first, previous, latest, info } = s.visits;
      const entry = { session: name, first, previous, latest, info: copyPlainData(info, Infinity), resources: liveKeys(s, now).length };
      used += encodeValue(entry).length;
      if (used > budget && page.length > 0) return { sessions: page, next: page[page.length - 1]?.session ?? null };
      page.push(entry);
    }
    return { sessions: page, next: null };
  }
}

function checkAddress(session: string, key: string): void {
  assertName('session', session);
  assertKey(key);
}

function checkOptions(options: SinkOptions): { ttlMs: number | null; once: boolean } {
  if (typeof options !== 'object' || options === null) throw new SteadError('BAD_OPTIONS', 'resource options are an object');
  const { ttlMs, once } = options;
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1)) throw new SteadError('BAD_OPTIONS', 'ttlMs must be a positive integer (ms)');
  if (once !== undefined && typeof once !== 'boolean') throw new SteadError('BAD_OPTIONS', 'once must be a boolean');
  return { ttlMs: ttlMs ?? null, once: once ?? false };
}

/** The value as kept: a plain copy, not undefined (which reads as absent), within the size limit. */
function resourceValue(value: unknown, limits: Limits): unknown {
  if (value === undefined) throw new SteadError('BAD_VALUE', 'a resource value cannot be undefined (SOURCE answers undefined for an absent one)');
  const max = limits.maxResourceBytes;
  let copy: unknown;
  try {
    copy = plainCopy(value, 'a resource value', limits);
  } catch (error) {
    if (isSteadError(error, 'VALUE_TOO_LARGE')) throw new SteadError('RESOURCE_TOO_LARGE', error.message);
    throw error;
  }
  try {
    if (encodeValue(copy, max).length <= max) return copy;
  } catch (error) {
    if (!(error instanceof ValueTooLarge)) throw error;
  }
  throw new SteadError('RESOURCE_TOO_LARGE', `a resource value exceeds ${max} bytes`);
}
