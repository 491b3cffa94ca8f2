import type { CommitEvent } from '../apps/commit-event.js';

export type { CommitEvent };

export type CommitListener = (event: CommitEvent) => void;

/**
 * The broker's commit events, for app host code, admin clients (the `$events` topic) and metrics.
 * Listeners are kept as `null` when there are none (as Fastify keeps empty hook lists), so a
 * proxy asks `listening` once per commit and builds no event when nobody listens.
 */
export class CommitEvents {
  #listeners: CommitListener[] | null = null;
  readonly #onListenerError: (error: unknown, event: CommitEvent) => void;

  constructor(onListenerError: (error: unknown, event: CommitEvent) => void) {
    this.#onListenerError = onListenerError;
  }

  get listening(): boolean {
    return this.#listeners !== null;
  }

  on(listener: CommitListener): void {
    this.#listeners = [...(this.#listeners ?? []), listener];
  }

  off(listener: CommitListener): void {
    const rest = (this.#listeners ?? []).filter((l) => l !== listener);
    this.#listeners = rest.length > 0 ? rest : null;
  }

  /** Tells every listener; a listener that throws is reported and does not stop the others. */
  emit(event: CommitEvent): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
