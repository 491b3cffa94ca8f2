import { mkdir } from 'node:fs/promises';
import { parseBundle, type Bundle, type BundleReport, type CommandOutcome } from '../../shared/bundle.js';
import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { loadJournal, saveJournal, type Journal, type Running, type Step } from './bundle-journal.js';
import { finishedReport, restartSteps, startRunning, supersededReport } from './bundle-steps.js';

export interface BundleExecutorOptions {
  /** The agent's data folder; the journal is `bundles.cbor` in it. */
  dataDir: string;
  /** Runs one command (a gadget handler); a throw or rejection marks the command `failed`. */
  run: (method: string, args: unknown[]) => unknown;
  /**
   * Each bundle's report, once it is produced and stored; reports not yet acknowledged are given
   * again when the executor opens, so the proxy-side method must be idempotent (by bundle id).
   */
  onReport: (report: BundleReport) => void;
  clock?: Clock;
  /** How long after its start a bundle may arrive and still run (default 1,000 ms). */
  lateToleranceMs?: number;
  /** The journal could not be written before a command: the command waits and is tried again. */
  onError?: (error: SteadError) => void;
}

export type BundleReceipt = { status: 'scheduled' | 'duplicate'; id: string };

/** How many bundle ids are remembered to refuse a bundle delivered twice. */
const SEEN_IDS = 64;
/** Node timers take at most 2^31 - 1 ms; a later command is re-armed when this one fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const RETRY_MS = 1000;

/**
 * Runs timed command bundles (DESIGN §9): commands at `start + after` on the injected clock; a
 * late bundle refused (BUNDLE_LATE with how late it was); a newer bundle cancels the pending
 * commands of the older one; everything kept in a journal replaced atomically on each change,
 * so pending bundles survive a restart, and a command is marked started before it runs, so no
 * command runs twice. Every change goes through one queue: receive, each step and acknowledge
 * see the journal one at a time.
 */
export class BundleExecutor {
  #journal: Journal;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: TimerHandle | null = null;
  #closed = false;
  readonly #options: BundleExecutorOptions;
  readonly #clock: Clock;
  readonly #toleranceMs: number;

  private constructor(options: BundleExecutorOptions, journal: Journal) {
    this.#options = options;
    this.#journal = journal;
    this.#clock = options.clock ?? systemClock;
    this.#toleranceMs = options.lateToleranceMs ?? 1000;
  }

  /** Opens the journal in `dataDir`, applies the restart rule, re-gives unacknowledged reports. */
  static async open(options: BundleExecutorOptions): Promise<BundleExecutor> {
    await mkdir(options.dataDir, { recursive: true });
    const executor = new BundleExecutor(options, await loadJournal(options.dataDir));
    await executor.#restart();
    return executor;
  }

  /** Takes a bundle from the proxy: BAD_BUNDLE, BUNDLE_LATE (data: id, lateMs), BUNDLE_STORE. */
  async receive(value: unknown): Promise<BundleReceipt> {
    if (this.#closed) throw new SteadError('CLOSED', 'the bundle executor is closed');
    const arrivedAt = this.#clock.now();
    const bundle = parseBundle(value);
    return this.#serial(() => this.#receive(bundle, arrivedAt));
  }

  /** The agent has delivered this report to the proxy: it is not given again. */
  acknowledge(id: string): Promise<void> {
    return this.#serial(async () => {
      if (!this.#journal.outbox.some((report) => report.id === id)) return;
      await this.#save({ ...this.#journal, outbox: this.#journal.outbox.filter((report) => report.id !== id) });
    });
  }

  /** Reports produced and not yet acknowledged. */
  unacknowledged(): BundleReport[] {
    return [...this.#journal.outbox];
  }

  /** The bundle being executed and its steps, or null. */
  current(): Readonly<Running> | null {
    return this.#journal.current;
  }

  /** Resolves once every change queued so far (receive, step, acknowledge) is over. */
  settled(): Promise<void> {
    return this.#queue.then(() => {});
  }

  /** Stops the timer and waits for the step in progress; the journal keeps what is pending. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    await this.#queue.catch(() => {});
  }

  async #receive(bundle: Bundle, arrivedAt: number): Promise<BundleReceipt> {
    const journal = this.#journal;
    if (journal.seen.includes(bundle.id)) return { status: 'duplicate', id: bundle.id };
    const seen = [...journal.seen, bundle.id].slice(-SEEN_IDS);
    const lateMs = arrivedAt - bundle.start;
    if (lateMs > this.#toleranceMs) {
      // A refused bundle changes nothing: the older bundle's commands go on.
      const report: BundleReport = { id: bundle.id, status: 'late', receivedAt: arrivedAt, lateMs, supersededBy: null, commands: [] };
      await this.#save({ ...journal, outbox: [...journal.outbox, report], seen });
      this.#options.onReport(report);
      throw new SteadError('BUNDLE_LATE', `bundle ${bundle.id} arrived ${lateMs} ms after its start`, {
        data: { id: bundle.id, lateMs, toleranceMs: this.#toleranceMs },
      });
    }
    // The older bundle's report and the newer bundle are stored in one write.
    const reports = journal.current === null ? [] : [supersededReport(journal.current, bundle.id)];
    await this.#save({ ...journal, current: startRunning(bundle, arrivedAt), outbox: [...journal.outbox, ...reports], seen });
    for (const report of reports) this.#options.onReport(report);
    this.#schedule();
    return { status: 'scheduled', id: bundle.id };
  }

  async #restart(): Promise<void> {
    for (const report of this.#journal.outbox) this.#options.onReport(report);
    const current = this.#journal.current;
    // A bundle the restart rule ends gives its report here, once.
    if (current !== null) await this.#settle({ ...current, steps: restartSteps(current, this.#clock.now(), this.#toleranceMs) });
    this.#schedule();
  }

  /** Runs the first pending command if it is due, then arms the timer for the next. */
  async #step(): Promise<void> {
    const current = this.#journal.current;
    if (this.#closed || current === null) return;
    const index = current.steps.findIndex((step) => step.status === 'pending');
    const step = current.steps[index];
    if (step === undefined || step.due > this.#clock.now()) {
      this.#schedule();
      return;
    }
    const command = current.bundle.commands[index] as Bundle['commands'][number];
    const ranAt = this.#clock.now();
    try {
      // DESIGN §9: marked started before it runs, so a crash while it runs never runs it again.
      await this.#save({ ...this.#journal, current: withStep(current, index, { status: 'running', due: step.due, ranAt }) });
    } catch (error) {
      this.#options.onError?.(error as SteadError);
      this.#schedule(RETRY_MS);
      return;
    }
    const outcome = await this.#run(command, step.due, ranAt);
    try {
      await this.#settle(withStep(this.#journal.current as Running, index, outcome));
    } catch (error) {
      // The command ran; its outcome is not stored, so after a restart it reads `unknown`.
      this.#options.onError?.(error as SteadError);
    }
    this.#schedule();
  }

  async #run(command: Bundle['commands'][number], due: number, ranAt: number): Promise<CommandOutcome> {
    try {
      await this.#options.run(command.method, command.args);
      return { method: command.method, status: 'done', due, ranAt, error: null };
    } catch (error) {
      const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'STEAD_E_APP_ERROR';
      const message = error instanceof Error ? error.message : String(error);
      return { method: command.method, status: 'failed', due, ranAt, error: { code, message } };
    }
  }

  /** Stores a running bundle's steps; once none is left to run, its report replaces it. */
  async #settle(running: Running): Promise<void> {
    const over = running.steps.every((step) => step.status !== 'pending' && step.status !== 'running');
    if (!over) {
      await this.#save({ ...this.#journal, current: running });
      return;
    }
    const report = finishedReport(running);
    await this.#save({ ...this.#journal, current: null, outbox: [...this.#journal.outbox, report] });
    this.#options.onReport(report);
  }

  #schedule(delayMs?: number): void {
    this.#clearTimer();
    const next = this.#journal.current?.steps.find((step) => step.status === 'pending');
    if (this.#closed || next === undefined) return;
    const wait = delayMs ?? Math.min(MAX_DELAY_MS, Math.max(0, next.due - this.#clock.now()));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      void this.#serial(() => this.#step()).catch((error: unknown) => this.#options.onError?.(error as SteadError));
    }, wait);
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #save(journal: Journal): Promise<void> {
    await saveJournal(this.#options.dataDir, journal);
    this.#journal = journal;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task);
    this.#queue = result.catch(() => {});
    return result;
  }
}

function withStep(running: Running, index: number, step: Step): Running {
  const steps = [...running.steps];
  steps[index] = step;
  return { ...running, steps };
}
