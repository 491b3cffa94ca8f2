import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, LatencySummary, RowSpec } from './protocol.js';

export interface RowHooks {
  /** The measured window opened (the orchestrator snapshots broker counters here). */
  measuring(): void;
  measured(): void;
}

export interface RowOutcome {
  summary: LatencySummary;
  failures: number;
  setupMs: number;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const entry = fileURLToPath(new URL('./clients.ts', import.meta.url));

/** The orchestrator's handle on the clients child process (bench/clients.ts), spoken to over IPC. */
export class ClientsProcess {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static async spawn(): Promise<ClientsProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`clients process exited with ${String(code)}`)));
    await Promise.race([waitFor(child, (m) => m.type === 'ready'), exited]);
    return new ClientsProcess(child);
  }

  /** Runs one row; resolves with the child's latency summary. */
  async run(row: RowSpec, hooks: RowHooks): Promise<RowOutcome> {
    const outcome = new Promise<RowOutcome>((resolve, reject) => {
      const onMessage = (raw: unknown): void => {
        const message = raw as ChildMessage;
        if (message.type === 'ready' || message.label !== row.label) return;
        if (message.type === 'measuring') return hooks.measuring();
        if (message.type === 'measured') return hooks.measured();
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        if (message.type === 'failed') reject(new Error(`row ${row.label} failed in the clients process: ${message.message}`));
        else resolve({ summary: message.summary, failures: message.failures, setupMs: message.setupMs });
      };
      const onExit = (code: number | null): void => {
        this.#child.off('message', onMessage);
        reject(new Error(`clients process exited with ${String(code)} during row ${row.label}`));
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
    });
    this.#child.send({ type: 'row', row });
    return outcome;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || !this.#child.connected) return;
    const exited = once(this.#child, 'exit');
    this.#child.send({ type: 'exit' });
    // A child that does not leave by itself (a handle left open) is ended; it is ours.
    const timer = setTimeout(() => this.#child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function waitFor(child: ChildProcess, match: (message: ChildMessage) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (raw: unknown): void => {
      if (!match(raw as ChildMessage)) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
  });
}
