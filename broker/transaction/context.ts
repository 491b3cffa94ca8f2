import type { NotifyOptions, ProxyContext, QueuePolicy, QueuedNotification, SessionResources, SessionVisits } from '../apps/define-proxy.js';
import type { Transaction } from './transaction.js';

/**
 * The object app code gets: a face of its transaction, nothing more. Once the method settled
 * every member that reads or changes the proxy throws CONTEXT_CLOSED.
 */
export class MethodContext<S> implements ProxyContext<S> {
  readonly #tx: Transaction;
  readonly session: string | null;

  constructor(tx: Transaction) {
    this.#tx = tx;
    this.session = tx.session;
  }

  get app(): string {
    return this.#tx.app;
  }

  get id(): string {
    return this.#tx.id;
  }

  get state(): S {
    return this.#tx.state as S;
  }

  set state(value: S) {
    this.#tx.state = value;
  }

  currentSession(): string | null {
    return this.session;
  }

  sessionIds(): string[] {
    return this.#tx.sessionIds();
  }

  notify(payload: unknown, target: string | RegExp, options?: NotifyOptions): void {
    this.#tx.notify(payload, target, options);
  }

  limitQueue(length: number, session: string, policy?: QueuePolicy): void {
    this.#tx.limitQueue(length, session, policy);
  }

  outq(session: string): QueuedNotification[] {
    return this.#tx.outq(session);
  }

  visits(session: string | null = this.session): SessionVisits | null {
    return this.#tx.visits(session);
  }

  remember(memento: unknown): void {
    this.#tx.remember(memento);
  }

  at(time: number, method: string, args: unknown[] = []): void {
    this.#tx.at(time, method, args);
  }

  now(): number {
    return this.#tx.now();
  }

  get resources(): SessionResources {
    return this.#tx.resources;
  }
}
