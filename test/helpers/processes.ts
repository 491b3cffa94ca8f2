import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cliEnv } from './cli-env.js';
import { TEST_KEY_FILE } from './test-key.js';

/** The compiled `stead`, as users run it (test/helpers/build-dist.ts keeps it built). */
export const STEAD_BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

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

/**
 * Runs `stead broker --port 0 …` as a real child process and waits until it listens. It requires
 * keys, as users run it: the test process's admin key (test-key.ts) is granted unless `args`
 * name an `--admin-key` of their own. Its environment is cliEnv(`env`).
 */
export async function spawnBroker(args: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<BrokerProcess> {
  const keyArgs = args.includes('--admin-key') ? [] : ['--admin-key', TEST_KEY_FILE];
  const child = spawn(process.execPath, [STEAD_BIN, 'broker', '--port', '0', ...keyArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: cliEnv(env) });
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

/** Runs a `stead` subcommand to completion with the test key as `$STEAD_KEY`, in cliEnv(`env`) (and `cwd`, if given). */
export async function runStead(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<RunResult> {
  const child = spawnStead(args, env, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Starts `stead …` with the test key as `$STEAD_KEY`, in cliEnv(`env`), stdout and stderr piped. */
export function spawnStead(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [STEAD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv({ STEAD_KEY: TEST_KEY_FILE, ...env }), cwd });
}

export interface ScriptProcess {
  readonly child: ChildProcess;
  /** Every line the script printed on stdout so far. */
  readonly lines: string[];
  /** The first line (printed so far or later) that satisfies the predicate; rejects if the script exits first. */
  line(predicate: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code once the script has exited. */
  readonly exited: Promise<number | null>;
  /** kill -9. */
  kill(): Promise<void>;
}

/**
 * Runs a TypeScript script as a child of this process with tsx as a loader (`node --import tsx`,
 * not `npx tsx`, whose wrapper process would take a SIGKILL meant for the script).
 */
export function spawnScript(script: string, args: readonly string[]): ScriptProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: cliEnv({ STEAD_KEY: TEST_KEY_FILE }),
  });
  const lines: string[] = [];
  const waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  // 'close', not 'exit': every line the script printed has been read by then.
  const exited = (once(child, 'close') as Promise<[number | null]>).then(([code]) => code);
  return {
    child,
    lines,
    line: (predicate) => {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then((code) => reject(new Error(`${script} exited with ${code} before the expected line`)));
      });
    },
    exited,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
