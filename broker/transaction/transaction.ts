import type { Clock } from '../../shared/clock.js';
import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { assertName } from '../../shared/names.js';
import { ValueTooLarge, begunValue, decodeValue, encodeFrame, encodeValue } from '../../shared/wire/codec.js';
import { Kind, NONCE_BYTES } from '../../shared/wire/frames.js';
import { copyPlainData } from '../../shared/wire/plain-data.js';
import type { NotifyOptions, QueuePolicy, QueuedNotification, SessionVisits } from '../apps/define-proxy.js';
import { enqueued, limited } from '../record/queue.js';
import { newSession, sessionLimitError, type DurableTimer, type ProxyRecord, type SessionRecord } from '../record/record.js';
import type { SessionTable } from '../record/session-table.js';
import { TransactionResources } from './resources.js';
import { checkFits, notifyBound, notifyBytes, plainCopy, toSteadError } from '../record/replies.js';

/** What a transaction needs from its proxy. */
export interface TransactionEnv {
  readonly app: string;
  readonly id: string;
  readonly limits: Limits;
  readonly clock: Clock;
  hasMethod(name: string): boolean;
  /** Random bytes from the injected Random (ids of new sessions). */
  newNonce(): Uint8Array;
}

/** A notification to publish once the commit that queued it is durable. */
export interface Release {
  session: string;
  bytes: Uint8Array;
}

/**
 * What a transaction produced: the value, the new record (null when nothing changed) and the
 * notifications to send; or the error, with nothing kept.
 */
export type Outcome =
  | { ok: true; value: unknown; record: ProxyRecord | null; notifications: readonly Release[] }
  | { ok: false; error: SteadError };

const UNREAD: unique symbol = Symbol('unread');
const NONE: readonly Release[] = Object.freeze([]);
/** A stand-in nonce, to measure a memento inside the begin reply that will carry it. */
const SIZING_NONCE = new Uint8Array(NONCE_BYTES);

/**
 * DESIGN §4 rules 5–6: one run of app code. The transaction owns the draft state (decoded from
 * the record when first read, so a state object kept from an earlier method is a dead copy) and
 * a copy-on-write overlay of the sessions and timers its effects change. Every effect is checked
 * and encoded when the method asks for it; a refused effect dooms the transaction even if the
 * method catches the throw. Once the method settled the transaction is closed: its context
 * throws CONTEXT_CLOSED. Nothing of the proxy changes here: `finish` returns a new record.
 */
export class Transaction {
  readonly session: string | null;
  readonly #env: TransactionEnv;
  readonly #base: ProxyRecord;
  #sessions: SessionTable<SessionRecord> | null = null;
  #timers: DurableTimer[] | null = null;
  #nextTimerId: number;
  #draft: unknown = UNREAD;
  #notifications: Release[] | null = null;
  #refusal: SteadError | null = null;
  #outcome: Outcome | null = null;
  /**
   * The method returned, or an effect is being checked: app code must not use the context now;
   * while a notify customizer runs it may read but not change it.
   */
  #busy: 'finishing' | 'checking' | 'customizing' | null = null;
  #resources: TransactionResources | null = null;
  /** The record's earliest resource expiry, lowered by this transaction's writes. */
  #resourceExpiry: number | null;

  constructor(env: TransactionEnv, base: ProxyRecord, session: string | null) {
    this.#env = env;
    this.#base = base;
    this.session = session;
    this.#nextTimerId = base.nextTimerId;
    this.#resourceExpiry = base.resourceExpiry ?? null;
  }

  /** Session resources (DESIGN §6): writes go to this transaction's overlay. */
  get resources(): TransactionResources {
    this.#live();
    return (this.#resources ??= new TransactionResources({
      limits: this.#env.limits,
      now: () => this.#env.clock.now(),
      newNonce: () => this.#env.newNonce(),
      live: () => this.#live(),
      effect: (apply) => this.#effect(apply),
      view: () => this.#view(),
      open: (name) => this.#open(name),
      put: (name, session) => this.#put(name, session),
      expires: (time) => {
        if (this.#resourceExpiry === null || time < this.#resourceExpiry) this.#resourceExpiry = time;
      },
    }));
  }

  get app(): string {
    return this.#env.app;
  }

  get id(): string {
    return this.#env.id;
  }

  get state(): unknown {
    this.#readable();
    if (this.#draft === UNREAD) this.#draft = this.#base.stateBytes.length === 0 ? undefined : decodeValue(this.#base.stateBytes);
    return this.#draft;
  }

  set state(value: unknown) {
    this.#live();
    this.#draft = value;
  }

  now(): number {
    this.#readable();
    return this.#env.clock.now();
  }

  sessionIds(): string[] {
    this.#readable();
    return [...this.#view().keys()];
  }

  /** The session's queue as this transaction sees it: committed items, then its own. */
  outq(session: string): QueuedNotification[] {
    this.#readable();
    // Copies all the way down: app code must not reach into the record through them.
    return (this.#view().get(session)?.queue.items ?? []).map((item) => ({ ...item, payload: copyPlainData(item.payload, Infinity) }));
  }

  /** A session's visits as this transaction sees them (a copy); null for an unknown session. */
  visits(session: string | null): SessionVisits | null {
    this.#readable();
    const visits = session === null ? undefined : this.#view().get(session)?.visits;
    if (!visits) return null;
    const { first, previous, latest, info, lastSeen } = visits;
    return { first: first || null, previous: previous || null, latest: latest || null, info: copyPlainData(info, Infinity), lastSeen };
  }

  notify(payload: unknown, target: string | RegExp, options: NotifyOptions | undefined): void {
    this.#effect(() => {
      if (typeof target === 'string') assertName('session', target);
      else if (!(target instanceof RegExp)) throw new SteadError('BAD_OPTIONS', 'notify target is a session name or a RegExp');
      const key = options?.key ?? null;
      if (key !== null && typeof key !== 'string') throw new SteadError('BAD_OPTIONS', 'notify key must be a string');
      const customize = options?.customize;
      if (customize !== undefined && typeof customize !== 'function') throw new SteadError('BAD_OPTIONS', 'notify customize must be a function');
      // With a customizer only what it returns is a payload (and is checked); the given one is its input.
      const shared = customize ? undefined : plainCopy(payload, 'a notification payload', this.#env.limits);
      const names = typeof target === 'string' ? [target] : [...this.#view().keys()].filter((name) => matches(target, name));
      for (const name of names) {
        const copy = customize ? this.#customized(customize, name, payload) : shared;
        if (copy === undefined) continue;
        const { queue, item } = enqueued(this.#open(name).queue, copy, key);
        const bytes = notifyBytes(item, queue.dropped);
        checkFits(notifyBound(bytes, queue.dropped), 'a notification', this.#env.limits);
        this.#put(name, { ...this.#open(name), queue });
        (this.#notifications ??= []).push({ session: name, bytes });
      }
    });
  }

  limitQueue(length: number, session: string, policy: QueuePolicy = 'drop-oldest'): void {
    this.#effect(() => {
      assertName('session', session);
      const max = this.#env.limits.maxQueueLength;
      if (!Number.isInteger(length) || length < 1 || length > max) {
        throw new SteadError('BAD_OPTIONS', `queue length must be an integer from 1 to ${max}`);
      }
      if (policy !== 'drop-oldest' && policy !== 'coalesce' && policy !== 'refuse') {
        throw new SteadError('BAD_OPTIONS', `unknown queue policy ${String(policy)}`);
      }
      const s = this.#open(session);
      this.#put(session, { ...s, queue: limited(s.queue, length, policy) });
    });
  }

  remember(memento: unknown): void {
    this.#effect(() => {
      if (this.session === null) throw new SteadError('BAD_OPTIONS', 'remember needs a session (not in pulse, timers or init)');
      const copy = plainCopy(memento, 'a memento', this.#env.limits);
      // The memento travels in the answer to the next begin: it must fit in that frame.
      const begun = encodeFrame({ kind: Kind.reply, ref: SIZING_NONCE, seq: 0, value: begunValue({ nonce: SIZING_NONCE, memento: copy, crashed: true }) });
      checkFits(begun.length, 'a memento', this.#env.limits);
      this.#put(this.session, { ...this.#open(this.session), memento: copy });
    });
  }

  at(time: number, method: string, args: unknown[]): void {
    this.#effect(() => {
      if (!Number.isFinite(time)) throw new SteadError('BAD_OPTIONS', 'timer time must be a number (ms since the epoch)');
      if (!this.#env.hasMethod(method)) throw new SteadError('UNKNOWN_METHOD', `no method ${method} for a timer`);
      if (!Array.isArray(args)) throw new SteadError('BAD_OPTIONS', 'timer arguments are an array');
      const copy = plainCopy(args, 'a timer’s arguments', this.#env.limits) as unknown[];
      checkFits(encodeValue(copy).length, 'a timer’s arguments', this.#env.limits);
      (this.#timers ??= [...this.#base.timers]).push({ id: this.#nextTimerId++, at: time, method, args: copy });
    });
  }

  /**
   * The method returned: close, then build the new record (null when nothing changed). A
   * refusal the method caught, a state over the limit or one that does not encode fail it.
   */
  finish(value: unknown): Outcome {
    if (this.#outcome) return this.#outcome;
    if (this.#refusal) return this.#settle({ ok: false, error: this.#refusal });
    // Encoding the state runs app getters: from here on the context is closed to them.
    this.#busy = 'finishing';
    try {
      let stateBytes = this.#base.stateBytes;
      if (this.#draft !== UNREAD) {
        const max = this.#env.limits.maxStateBytes;
        const encoded = encodeState(this.#draft, max);
        if (!bytesEqual(encoded, stateBytes)) stateBytes = encoded;
      }
      const changed = stateBytes !== this.#base.stateBytes || this.#sessions !== null || this.#timers !== null;
      const record = changed
        ? {
          ...this.#base,
          stateBytes,
          sessions: this.#sessions ?? this.#base.sessions,
          timers: this.#timers ?? this.#base.timers,
          nextTimerId: this.#nextTimerId,
          resourceExpiry: this.#resourceExpiry,
        }
        : null;
      return this.#settle({ ok: true, value, record, notifications: this.#notifications ?? NONE });
    } catch (error) {
      return this.#settle({ ok: false, error: toSteadError(error) });
    }
  }

  /** The method threw (rule 6): nothing is kept. A refusal it provoked is the reason. */
  fail(error: unknown): Outcome {
    return this.#outcome ?? this.#settle({ ok: false, error: this.#refusal ?? toSteadError(error) });
  }

  /** Given up on (the time limit): closed, nothing kept; a late settle changes nothing. */
  abandon(error: SteadError): Outcome {
    return this.#outcome ?? this.#settle({ ok: false, error });
  }

  #settle(outcome: Outcome): Outcome {
    this.#outcome = outcome;
    return outcome;
  }

  #live(): void {
    if (this.#outcome || this.#busy) this.#closed();
  }

  /** Reads are allowed in a notify customizer too. */
  #readable(): void {
    if (this.#outcome || (this.#busy && this.#busy !== 'customizing')) this.#closed();
  }

  #closed(): never {
    const when = this.#busy === 'checking' ? 'while a value it produced was being checked'
      : this.#busy === 'customizing' ? 'to change the proxy inside a notify customizer'
        : 'after its method settled';
    throw new SteadError('CONTEXT_CLOSED', `${this.#env.app}/${this.#env.id}: context used ${when}`);
  }

  /**
   * One session's copy from the notify customizer (run with the context readable), checked like
   * any payload; undefined when the customizer skips the session. A throw dooms the transaction.
   */
  #customized(customize: (session: string, payload: unknown) => unknown, session: string, payload: unknown): unknown {
    this.#busy = 'customizing';
    let shaped: unknown;
    try {
      shaped = customize(session, payload);
    } finally {
      this.#busy = 'checking';
    }
    return shaped === undefined ? undefined : plainCopy(shaped, `the notification customized for ${session}`, this.#env.limits);
  }

  /**
   * Runs an effect; a refusal is kept, so the transaction fails even if app code catches it.
   * Checking a value runs its getters: they may not use the context meanwhile.
   */
  #effect(apply: () => void): void {
    this.#live();
    this.#busy = 'checking';
    try {
      apply();
    } catch (error) {
      this.#refusal ??= toSteadError(error);
      throw error;
    } finally {
      this.#busy = null;
    }
  }

  #view(): SessionTable<SessionRecord> {
    return this.#sessions ?? this.#base.sessions;
  }

  /** The session as this transaction sees it, created (within the limit) if new. */
  #open(name: string): SessionRecord {
    const existing = this.#view().get(name);
    if (existing) return existing;
    const full = sessionLimitError(this.#view().size, this.#env.limits);
    if (full) throw full;
    const created = newSession(this.#env.clock.now(), this.#env.limits);
    this.#put(name, created);
    return created;
  }

  #put(name: string, session: SessionRecord): void {
    this.#sessions = this.#view().with(name, session);
  }
}

/** The state's bytes, or STATE_TOO_LARGE — found as soon as the writer passes the limit. */
function encodeState(state: unknown, max: number): Uint8Array {
  let encoded: Uint8Array;
  try {
    encoded = encodeValue(state, max);
  } catch (error) {
    if (error instanceof ValueTooLarge) throw new SteadError('STATE_TOO_LARGE', `state exceeds ${max} bytes`);
    throw error;
  }
  if (encoded.length > max) throw new SteadError('STATE_TOO_LARGE', `state of ${encoded.length} bytes exceeds ${max}`);
  return encoded;
}

function matches(pattern: RegExp, name: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(name);
}
