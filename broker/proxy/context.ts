import { SteadError } from '../../shared/errors.js';
import type { NotifyOptions, ProxyContext, QueuePolicy, QueuedNotification } from './define-proxy.js';
import type { Effects } from './effects.js';
import type { ProxyRecord } from './record.js';

export interface ContextHost<S> {
  readonly app: string;
  readonly id: string;
  state: S;
  readonly record: ProxyRecord;
  readonly hasMethod: (name: string) => boolean;
  now(): number;
}

/** The object app code gets; every effect lands in the transaction's buffer. */
export class MethodContext<S> implements ProxyContext<S> {
  readonly #host: ContextHost<S>;
  readonly #effects: Effects;
  readonly session: string | null;

  constructor(host: ContextHost<S>, session: string | null, effects: Effects) {
    this.#host = host;
    this.session = session;
    this.#effects = effects;
  }

  get app(): string {
    return this.#host.app;
  }

  get id(): string {
    return this.#host.id;
  }

  get state(): S {
    return this.#host.state;
  }

  set state(value: S) {
    this.#host.state = value;
  }

  currentSession(): string | null {
    return this.session;
  }

  sessionIds(): string[] {
    return [...this.#host.record.sessions.keys()];
  }

  notify(payload: unknown, target: string | RegExp, options?: NotifyOptions): void {
    if (typeof target === 'string') this.#refuseWhenFull(target);
    this.#effects.notify(payload, target, options);
  }

  limitQueue(length: number, session: string, policy?: QueuePolicy): void {
    this.#effects.limitQueue(length, session, policy);
  }

  /** The session's queue: committed, unacknowledged items, then this transaction's. */
  outq(session: string): QueuedNotification[] {
    const queue = this.#host.record.sessions.get(session)?.queue;
    const items = queue ? queue.items.map((item) => ({ ...item })) : [];
    let seq = queue?.lastSeq ?? 0;
    for (const n of this.#effects.notifications) {
      if (n.target === session || (n.target instanceof RegExp && queue && n.target.test(session))) {
        items.push({ seq: ++seq, payload: n.payload, key: n.key });
      }
    }
    return items;
  }

  remember(memento: unknown): void {
    if (this.session === null) throw new SteadError('BAD_OPTIONS', 'remember needs a session (not in pulse or timers)');
    this.#effects.memento = { value: memento };
  }

  at(time: number, method: string, args: unknown[] = []): void {
    if (!Number.isFinite(time)) throw new SteadError('BAD_OPTIONS', 'timer time must be a number (ms since the epoch)');
    if (!this.#host.hasMethod(method)) throw new SteadError('UNKNOWN_METHOD', `no method ${method} for a timer`);
    this.#effects.addTimer(time, method, args);
  }

  now(): number {
    return this.#host.now();
  }

  /** Refuse policy: the notifying transaction aborts with QUEUE_FULL (DESIGN §4). */
  #refuseWhenFull(session: string): void {
    const queue = this.#host.record.sessions.get(session)?.queue;
    if (!queue || queue.policy !== 'refuse') return;
    const pending = this.#effects.notifications.filter((n) => n.target === session).length;
    if (queue.items.length + pending >= queue.limit) {
      throw new SteadError('QUEUE_FULL', `notification queue of ${session} is full (${queue.limit})`);
    }
  }
}
