/**
 * `stead call` as a whole process (goal ≤ 0.3 s): start, connect, begin, call, end,
 * exit, against a broker already running (in this process, durable SQLite store). The built
 * CLI (dist/, `npm run build`: the bundle of the command and its device side) runs as users run
 * it. Beside it, the floors on this machine: a bare `node -e 0`, and `stead --help` (the CLI
 * started, nothing run).
 *
 *   tsx bench/cli-call.ts [--runs 20]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createBroker } from '../broker/index.js';
import toaster from '../examples/toaster/app.js';
import { median } from './stats.js';
import { fixed, table } from './table.js';

const BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const GOAL_MS = 300;

export interface CliCallRow {
  name: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface CliCallResults {
  runs: number;
  rows: CliCallRow[];
  goalMs: number;
  met: boolean;
}

export async function runCliCallBench(runs = 20): Promise<CliCallResults> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const dir = await mkdtemp(join(tmpdir(), 'stead-bench-cli-'));
  const broker = await createBroker({ port: 0, apps: [toaster], store: `sqlite:${join(dir, 'stead.db')}`, logger: pino({ level: 'silent' }) });
  try {
    const call = [BIN, 'call', '--broker', broker.url, '--journal', join(dir, 'journal'), 'toaster/bench', 'cli', 'buy', '["bread"]'];
    const rows = [
      await measure('node -e 0', ['-e', '0'], runs),
      await measure('stead --help', [BIN, '--help'], runs),
      await measure('stead call (whole process)', call, runs),
    ];
    const whole = rows[2] as CliCallRow;
    return { runs, rows, goalMs: GOAL_MS, met: whole.medianMs <= GOAL_MS };
  } finally {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function cliCallTable(results: CliCallResults): string {
  const rows = results.rows.map((r) => [r.name, fixed(r.medianMs, 0), fixed(r.minMs, 0), fixed(r.maxMs, 0)]);
  const verdict = `stead call: median ${fixed(results.rows[2]?.medianMs ?? NaN, 0)} ms, goal ≤ ${results.goalMs} ms: ${results.met ? 'met' : 'NOT met'}`;
  return `${table([`process (${results.runs} runs after 2 warm-ups)`, 'median ms', 'min ms', 'max ms'], rows)}\n${verdict}`;
}

/** Wall time from spawn to exit of `node <args>`, over `runs` runs after two warm-ups. */
async function measure(name: string, args: string[], runs: number): Promise<CliCallRow> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`${name} exited with ${code}`);
    if (i >= 2) times.push(performance.now() - started);
  }
  return { name, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
  console.log(cliCallTable(await runCliCallBench(Number(values.runs))));
}
