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
    let bucket = this.#buckets.get(code);
    if (!bucket) this.#buckets.set(code, (bucket = { logged: 0, suppressed: 0, seen: new Set() }));
    if (bucket.logged >= this.#perCode) {
      bucket.suppressed++;
      return;
    }
    const key = `${proxy} ${session}`;
    if (bucket.seen.has(key)) {
      bucket.suppressed++;
      return;
    }
    bucket.seen.add(key);
    bucket.logged++;
    this.#log.warn({ code, proxy, session, instance: nonce ? fingerprint(nonce) : null }, 'request refused');
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
