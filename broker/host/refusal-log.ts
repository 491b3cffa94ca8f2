import type { Logger } from 'pino';
import { fingerprint } from '../proxy/proxy-view.js';

export interface RefusalLogOptions {
  /** Length of a rate-limit window in ms; default 10 s. */
  windowMs?: number;
  /** Refusals logged per code and window; the rest are counted and summed up. Default 5. */
  perCode?: number;
}

interface Bucket {
  logged: number;
  suppressed: number;
  /** `proxy session` pairs logged in this window: a flood from one instance is logged once. */
  readonly seen: Set<string>;
}

/**
 * Logs every refusal (a request answered with an error before any method ran; a fenced
 * instance's STALE_INSTANCE among them) once with its code, never per packet in a flood
 * (issue 10): per code and window, the first few distinct sessions are logged and the rest
 * only counted, then summed up in one line when the window closes. Codes are a closed set, so
 * the buckets are bounded; a suppressed refusal costs a map lookup and an increment.
 */
export class RefusalLog {
  readonly #log: Logger;
  readonly #perCode: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #timer: NodeJS.Timeout;

  constructor(log: Logger, options: RefusalLogOptions = {}) {
    this.#log = log;
    this.#perCode = options.perCode ?? 5;
    this.#timer = setInterval(() => this.flush(), options.windowMs ?? 10_000);
    this.#timer.unref();
  }

  refused(code: string, proxy: string, session: string, nonce: Uint8Array | null): void {
    if (!this.#admit(code, `${proxy} ${session}`)) return;
    this.#log.warn({ code, proxy, session, instance: nonce ? fingerprint(nonce) : null }, 'request refused');
  }

  /**
   * A refused CONNECT (auth-hooks.ts), by reason, under the same limits: the names a client sent
   * are cut, so a refusal costs the log a bounded line whatever the client put in its CONNECT.
   */
  connectRefused(reason: string, clientId: string, device: string | undefined): void {
    const client = cut(clientId);
    const user = device === undefined ? null : cut(device);
    if (!this.#admit(`connect.${reason}`, `${user ?? ''} ${client}`)) return;
    this.#log.warn({ code: 'STEAD_E_NOT_AUTHORIZED', reason, clientId: client, device: user }, 'connect refused');
  }

  /** True when this refusal is logged; false when it is only counted for the window's summary. */
  #admit(code: string, subject: string): boolean {
    let bucket = this.#buckets.get(code);
    if (!bucket) this.#buckets.set(code, (bucket = { logged: 0, suppressed: 0, seen: new Set() }));
    if (bucket.logged >= this.#perCode || bucket.seen.has(subject)) {
      bucket.suppressed++;
      return false;
    }
    bucket.seen.add(subject);
    bucket.logged++;
    return true;
  }

  /** Closes the window: one line per code with refusals that were not logged. */
  flush(): void {
    for (const [code, bucket] of this.#buckets) {
      if (bucket.suppressed > 0) this.#log.warn({ code, suppressed: bucket.suppressed }, 'more refusals of this code were not logged');
    }
    this.#buckets.clear();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}

/** Client-sent names in a log line: at most this many characters, the rest replaced by a count. */
export const LOGGED_NAME_LENGTH = 64;

function cut(name: string): string {
  return name.length <= LOGGED_NAME_LENGTH ? name : `${name.slice(0, LOGGED_NAME_LENGTH)}…(+${name.length - LOGGED_NAME_LENGTH})`;
}
