import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const STEAD_BIN = fileURLToPath(new URL('../../broker/cli/bin.js', import.meta.url));

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Every log line the broker printed (parsed JSON). */
  readonly logs: Record<string, unknown>[];
  /** kill -9: no drain, no flush. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `stead broker --port 0 …` as a real child process and waits until it listens. */
export async function spawnBroker(args: string[], timeoutMs = 20_000): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [STEAD_BIN, 'broker', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const logs: Record<string, unknown>[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('broker did not start')), timeoutMs);
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (typeof entry.url === 'string') {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    url,
    port: Number(new URL(url).port),
    logs,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a `stead` subcommand to completion. */
export async function runStead(args: string[]): Promise<RunResult> {
  const child = spawn(process.execPath, [STEAD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
