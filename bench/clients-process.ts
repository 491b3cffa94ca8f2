import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, GroupSpec, ModeOutcome, RowMode } from './protocol.js';

export interface SegmentHooks {
  /** A measured segment of `mode` opened (the orchestrator snapshots broker counters here). */
  measuring(mode: RowMode): void;
  measured(mode: RowMode): void;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const entry = fileURLToPath(new URL('./clients.ts', import.meta.url));

/** The orchestrator's handle on the clients child process (bench/clients.ts), spoken to over IPC. */
export class ClientsProcess {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  /** `nodeArgs` go to the child's node, e.g. `--cpu-prof`. */
  static async spawn(nodeArgs: readonly string[] = []): Promise<ClientsProcess> {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`clients process exited with ${String(code)}`)));
    await Promise.race([waitFor(child, (m) => m.type === 'ready'), exited]);
    return new ClientsProcess(child);
  }

  /** Runs one group; resolves with each mode's latency summary. */
  async run(group: GroupSpec, hooks: SegmentHooks): Promise<ModeOutcome[]> {
    const outcome = new Promise<ModeOutcome[]>((resolve, reject) => {
      const onMessage = (raw: unknown): void => {
        const message = raw as ChildMessage;
        if (message.type === 'ready' || message.label !== group.label) return;
        if (message.type === 'measuring') return hooks.measuring(message.mode);
        if (message.type === 'measured') return hooks.measured(message.mode);
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        if (message.type === 'failed') reject(new Error(`group ${group.label} failed in the clients process: ${message.message}`));
        else resolve(message.outcomes);
      };
      const onExit = (code: number | null): void => {
        this.#child.off('message', onMessage);
        reject(new Error(`clients process exited with ${String(code)} during group ${group.label}`));
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
    });
    this.#child.send({ type: 'group', group });
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
