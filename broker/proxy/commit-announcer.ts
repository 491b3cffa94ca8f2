import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import type { ProxyType } from '../apps/define-proxy.js';
import type { ProxyRecord } from '../record/record.js';
import type { CommitEvent, CommitEvents } from './commit-events.js';

/** What an announcer needs of its proxy's host. */
export interface AnnouncerHost {
  readonly clock: Clock;
  readonly log: Logger;
  readonly commits: CommitEvents;
  count(event: string): void;
}

/**
 * Tells one proxy's durable commits to the broker's `commit` listeners and to its type's
 * `onCommit` hook, after the store confirmed (DESIGN §4 rule 7) and outside any transaction.
 * When nobody watches, `watched` is false and the proxy submits its write as it always did.
 */
export class CommitAnnouncer {
  readonly #type: ProxyType;
  readonly #id: string;
  readonly #host: AnnouncerHost;

  constructor(type: ProxyType, id: string, host: AnnouncerHost) {
    this.#type = type;
    this.#id = id;
    this.#host = host;
  }

  get watched(): boolean {
    return this.#host.commits.listening || this.#type.onCommit !== null;
  }

  /** The commit's `done`, followed (when it succeeded) by its event; `written` is the record before. */
  after(done: (error?: unknown) => void, next: ProxyRecord, written: ProxyRecord | null, version: number): (error?: unknown) => void {
    return (error?: unknown) => {
      done(error);
      if (error !== undefined) return;
      const sessions = written ? next.sessions.changedSince(written.sessions) : [...next.sessions.keys()];
      const event: CommitEvent = Object.freeze({
        app: this.#type.name, id: this.#id, version, sessions: Object.freeze(sessions), time: this.#host.clock.now(),
      });
      this.#host.commits.emit(event);
      this.#hook(event);
    };
  }

  /** The app's onCommit: a throw or a rejection is logged and counted, never the proxy's problem. */
  #hook(event: CommitEvent): void {
    const hook = this.#type.onCommit;
    if (!hook) return;
    const failed = (error: unknown): void => {
      this.#host.count('oncommit.failed');
      this.#host.log.warn({ err: error, proxy: `${event.app}/${event.id}` }, 'onCommit failed');
    };
    try {
      const result = hook(event);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
