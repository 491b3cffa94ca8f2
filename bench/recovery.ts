/**
 * Broker restart recovery: a fleet of devices with live sessions, each calling about
 * once a second, on a broker on a SQLite file; the broker (a child process) is killed with SIGKILL and started again on the same
 * file and port. Measured from the kill: the new broker listening, every device connected again,
 * every device done with a call again. The devices use their default reconnect backoff, so the
 * figure is what a fleet gets out of the box.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { RecoveryChildMessage, RecoveryParentMessage, RecoveryRound } from './recovery-protocol.js';
import { median } from './stats.js';

export interface RecoveryParams {
  devices: number;
  /** Kills, each followed by a full recovery. */
  rounds: number;
  /** How long the fleet calls before each kill. */
  runMs: number;
  /** Each device calls about once per interval (a live fleet, not a load test). */
  intervalMs: number;
  connectBatch: number;
  /** A round gives up after this long; devices not back by then count as unrecovered. */
  timeoutMs: number;
}

export interface RecoveryRow {
  round: number;
  /** From the kill until the new broker listened. */
  restartMs: number;
  /** Of which the new process's own start-up (process start until listening). */
  startupMs: number;
  /** From the kill until the last device was connected again. */
  reconnectedMs: number | null;
  /** From the kill until the last device had completed a call again (the figure of merit). */
  recoveredMs: number | null;
  /** Median device: its first call answered after the kill. */
  recoveredP50Ms: number | null;
  unrecovered: number;
}

export interface RecoveryResults {
  devices: number;
  intervalMs: number;
  setupMs: number;
  rows: RecoveryRow[];
  /** Median over the rounds of `recoveredMs` (null if any round left devices unrecovered). */
  recoveredMs: number | null;
  /** Calls that failed on the devices over the whole run (none expected: calls are retried). */
  failures: number;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const brokerEntry = fileURLToPath(new URL('./recovery-broker.ts', import.meta.url));
const clientsEntry = fileURLToPath(new URL('./recovery-clients.ts', import.meta.url));
const now = (): number => performance.timeOrigin + performance.now();

interface BrokerChild {
  child: ChildProcess;
  url: string;
  port: number;
  listeningMs: number;
}

/** Starts the broker child on `file` and resolves once it listens. */
async function startBroker(file: string, port: number): Promise<BrokerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', brokerEntry, file, String(port)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`recovery broker exited with ${String(code)}`)));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  const ready = JSON.parse(line) as { url: string; port: number; listeningMs: number };
  return { child, ...ready };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

function nextMessage<T extends RecoveryChildMessage['type']>(child: ChildProcess, type: T): Promise<Extract<RecoveryChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown): void => {
      const message = raw as RecoveryChildMessage;
      if (message.type === 'failed') done(() => reject(new Error(`recovery clients failed: ${message.message}`)));
      else if (message.type === type) done(() => resolve(message as Extract<RecoveryChildMessage, { type: T }>));
    };
    const onExit = (code: number | null): void => done(() => reject(new Error(`recovery clients exited with ${String(code)}`)));
    const done = (settle: () => void): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function tell(child: ChildProcess, message: RecoveryParentMessage): void {
  child.send(message);
}

export async function runRecovery(params: RecoveryParams, progress: (line: string) => void): Promise<RecoveryResults> {
  const dir = await mkdtemp(join(tmpdir(), 'stead-recovery-'));
  const file = join(dir, 'stead.db');
  let broker = await startBroker(file, 0);
  const clients = spawn(process.execPath, ['--import', 'tsx', clientsEntry], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await nextMessage(clients, 'ready');
    const connected = nextMessage(clients, 'connected');
    tell(clients, { type: 'connect', url: broker.url, devices: params.devices, connectBatch: params.connectBatch, intervalMs: params.intervalMs });
    const { setupMs } = await connected;
    const rows: RecoveryRow[] = [];
    let failures = 0;
    for (let round = 1; round <= params.rounds; round++) {
      const armed = nextMessage(clients, 'armed');
      tell(clients, { type: 'arm' });
      await armed;
      await sleep(params.runMs);
      const recovered = nextMessage(clients, 'recovered');
      const killedAt = now();
      await kill(broker.child);
      tell(clients, { type: 'killed', at: killedAt, timeoutMs: params.timeoutMs });
      broker = await startBroker(file, broker.port);
      const restartMs = now() - killedAt;
      const { round: outcome } = await recovered;
      const row = summarize(round, restartMs, broker.listeningMs, outcome);
      failures = outcome.failures;
      rows.push(row);
      progress(`  round ${round}: broker listening after ${Math.round(row.restartMs)} ms, all ${params.devices} devices called again after ${row.recoveredMs === null ? `- (${row.unrecovered} not back)` : `${Math.round(row.recoveredMs)} ms`}`);
    }
    const complete = rows.every((row) => row.recoveredMs !== null);
    return { devices: params.devices, intervalMs: params.intervalMs, setupMs, rows, recoveredMs: complete ? median(rows.map((row) => row.recoveredMs ?? 0)) : null, failures };
  } finally {
    if (clients.connected) {
      const exited = once(clients, 'exit');
      tell(clients, { type: 'exit' });
      await Promise.race([exited, sleep(15_000, undefined, { ref: false })]);
    }
    await kill(clients);
    await kill(broker.child);
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(round: number, restartMs: number, startupMs: number, outcome: RecoveryRound): RecoveryRow {
  const last = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : Math.max(...(values as number[])));
  const recovered = outcome.recoveredMs.filter((v): v is number => v !== null);
  return {
    round,
    restartMs,
    startupMs,
    reconnectedMs: last(outcome.reconnectedMs),
    recoveredMs: last(outcome.recoveredMs),
    recoveredP50Ms: recovered.length > 0 ? median(recovered) : null,
    unrecovered: outcome.devices - recovered.length,
  };
}
