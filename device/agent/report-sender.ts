import type { BundleReport } from '../../shared/bundle.js';
import { BUNDLE_REPORT_METHOD } from '../../shared/bundle.js';
import { systemRandom } from '../../shared/random.js';
import { Backoff } from '../backoff.js';
import type { DeviceSession } from '../session/device-session.js';

/**
 * Sends bundle reports to the proxy (DESIGN §9): one at a time, in order, each until its call
 * is answered, then acknowledged to the executor (which forgets it). A report whose call
 * committed but whose acknowledgement was lost to a crash is sent again on the next start; the
 * proxy records reports by bundle id (`bundleReportMethod`), so it counts once.
 */
export class ReportSender {
  readonly #queue: BundleReport[] = [];
  readonly #session: DeviceSession;
  readonly #acknowledge: (id: string) => Promise<void>;
  readonly #onError: (error: unknown, report: BundleReport) => void;
  readonly #backoff = new Backoff({ initialMs: 200, maxMs: 10_000 }, systemRandom);
  #running: Promise<void> | null = null;
  #started = false;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(session: DeviceSession, acknowledge: (id: string) => Promise<void>, onError: (error: unknown, report: BundleReport) => void) {
    this.#session = session;
    this.#acknowledge = acknowledge;
    this.#onError = onError;
  }

  push(report: BundleReport): void {
    if (this.#closed || this.#queue.some((queued) => queued.id === report.id)) return;
    this.#queue.push(report);
    this.#kick();
  }

  /** Reports go out from now on (the session has begun). */
  start(): void {
    this.#started = true;
    this.#kick();
  }

  #kick(): void {
    if (this.#started) this.#running ??= this.#drain().finally(() => (this.#running = null));
  }

  /** Waits for the reports queued so far to be sent (tests, graceful stop). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async #drain(): Promise<void> {
    while (!this.#closed && this.#queue.length > 0) {
      const report = this.#queue[0]!;
      try {
        await this.#session.call(BUNDLE_REPORT_METHOD, report);
        // After the reply, never before: the call committed, so the report is the proxy's now.
        await this.#acknowledge(report.id);
        this.#queue.shift();
        this.#backoff.reset();
      } catch (error) {
        if (this.#closed) return;
        this.#onError(error, report);
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, this.#backoff.next()).unref();
        });
      }
    }
  }
}
