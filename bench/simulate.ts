import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Aedes } from 'aedes';
import { createBroker } from '../broker/index.js';
import toaster from '../examples/toaster/app.js';
import type { SimulateChildMessage, SimulateMode, SimulateParentMessage } from './simulate-protocol.js';
import { fixed, table, whole } from './table.js';

export interface SimulateParams {
  devices: number;
  connectBatch: number;
}

export interface SimulateRow {
  mode: SimulateMode;
  devices: number;
  /** From the first connect until every device was connected (stead: begun, one call answered). */
  connectMs: number;
  /** Broker process memory per connected device, over the broker's own before the devices came. */
  heapKiBPerDevice: number;
  rssKiBPerDevice: number;
  calls: number;
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  clientsCpuPercent: number;
}

export interface SimulateResults {
  rows: SimulateRow[];
  /** Stead's broker heap per device over raw aedes' (goal <= 30 KiB). */
  steadOverRawKiB: number | null;
}

interface Server {
  url: string;
  subscriptions(): number;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./simulate-clients.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Issue 9: N simulated devices (simulateDevices, in a child process) connect to a broker in this
 * process, raw aedes and then Stead with a live proxy per device; connect time, and the broker's
 * memory per connected device once all are in, measured after a full GC.
 */
export async function runSimulateBench(params: SimulateParams, log: (line: string) => void): Promise<SimulateResults> {
  const rows: SimulateRow[] = [];
  // A small unmeasured round of each mode first: code compiled and caches filled on first use
  // would otherwise land on whichever mode runs first.
  const warmup = { ...params, devices: Math.min(200, params.devices) };
  for (const mode of ['raw', 'stead'] as const) await runMode(mode, warmup);
  for (const mode of ['raw', 'stead'] as const) {
    log(`simulate: ${params.devices} devices on ${mode === 'raw' ? 'raw aedes' : 'stead (a live proxy each)'} …`);
    rows.push(await runMode(mode, params));
  }
  const raw = rows.find((r) => r.mode === 'raw');
  const stead = rows.find((r) => r.mode === 'stead');
  return { rows, steadOverRawKiB: raw && stead ? stead.heapKiBPerDevice - raw.heapKiBPerDevice : null };
}

async function runMode(mode: SimulateMode, params: SimulateParams): Promise<SimulateRow> {
  const server = mode === 'raw' ? await rawAedes() : await steadBroker();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await next(child, 'ready');
    const before = measure();
    const holding = next(child, 'holding');
    send(child, { type: 'job', mode, url: server.url, devices: params.devices, connectBatch: params.connectBatch });
    const { connectMs } = await holding;
    // Raw devices make no call: their subscriptions are what says they are all in.
    while (server.subscriptions() < params.devices) await new Promise((resolve) => setTimeout(resolve, 20));
    const after = measure();
    const done = next(child, 'done');
    send(child, { type: 'release' });
    const result = await done;
    const perDevice = (bytes: number): number => bytes / params.devices / 1024;
    return {
      mode,
      devices: params.devices,
      connectMs,
      heapKiBPerDevice: perDevice(after.heap - before.heap),
      rssKiBPerDevice: perDevice(after.rss - before.rss),
      calls: result.calls,
      errors: result.errors,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      clientsCpuPercent: result.cpuPercent,
    };
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      send(child, { type: 'exit' });
      await exited;
    }
    await server.close();
  }
}

async function rawAedes(): Promise<Server> {
  const aedes = await Aedes.createBroker();
  let subscriptions = 0;
  aedes.on('subscribe', (subs) => (subscriptions += subs.length));
  const tcp = createServer((socket) => aedes.handle(socket));
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const { port } = tcp.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    subscriptions: () => subscriptions,
    close: async () => {
      tcp.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

async function steadBroker(): Promise<Server> {
  const broker = await createBroker({ port: 0, apps: [toaster], store: 'memory:' });
  let subscriptions = 0;
  broker.aedes.on('subscribe', (subs) => (subscriptions += subs.length));
  return { url: broker.url, subscriptions: () => subscriptions, close: () => broker.close() };
}

/** The broker process's memory after a full collection: JS heap plus buffers, and RSS. */
function measure(): { heap: number; rss: number } {
  collectGarbage();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

let gc: (() => void) | null = null;
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

function send(child: ChildProcess, message: SimulateParentMessage): void {
  child.send(message);
}

function next<T extends SimulateChildMessage['type']>(child: ChildProcess, type: T): Promise<Extract<SimulateChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown): void => {
      const message = raw as SimulateChildMessage;
      if (message.type === 'failed') return finish(() => reject(new Error(`simulate clients failed: ${message.message}`)));
      if (message.type === type) finish(() => resolve(message as Extract<SimulateChildMessage, { type: T }>));
    };
    const onExit = (code: number | null): void => finish(() => reject(new Error(`simulate clients exited with ${String(code)}`)));
    const finish = (settle: () => void): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export function simulateTable(results: SimulateResults): string {
  const header = [
    'Simulate: N devices by simulateDevices in a child process, to a broker in this process (memory: store);',
    'stead: each device begins a session on a proxy of its own and buys once; raw aedes: the same devices and',
    'subscriptions. Memory: the broker process after a full GC, with all devices in, over before; heap = heapUsed + external.',
    '',
    '',
  ].join('\n');
  const rows = results.rows.map((r) => [
    whole(r.devices),
    r.mode === 'raw' ? 'raw aedes' : 'stead',
    whole(r.connectMs),
    fixed(r.heapKiBPerDevice, 1),
    fixed(r.rssKiBPerDevice, 1),
    whole(r.calls),
    fixed(r.p50Ms),
    fixed(r.p99Ms),
    `${r.clientsCpuPercent}%`,
    String(Object.values(r.errors).reduce((sum, n) => sum + n, 0)),
  ]);
  const body = table(['devices', 'broker', 'connect ms', 'heap KiB/device', 'rss KiB/device', 'calls', 'p50 ms', 'p99 ms', 'clients cpu', 'errors'], rows);
  const over = results.steadOverRawKiB === null ? '' : `\nStead over raw aedes: ${fixed(results.steadOverRawKiB, 1)} KiB heap per device (goal <= 30)`;
  return header + body + over;
}
