/**
 * The clients child process: runs one group at a time for the orchestrator (bench/run.ts), which
 * hosts the broker. Keeping clients out of the broker's process means the broker's event loop
 * only does broker work, and every byte crosses loopback TCP.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchClient } from './bench-client.js';
import type { ChildMessage, GroupSpec, ModeOutcome, ParentMessage, RowMode } from './protocol.js';
import { RawClient } from './raw-client.js';
import { LatencyRecorder } from './stats.js';
import { SteadClient } from './stead-client.js';

interface ClientSet {
  mode: RowMode;
  clients: BenchClient[];
  recorder: LatencyRecorder;
  setupMs: number;
  warm: boolean;
  cpuMs: number;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

function openClient(group: GroupSpec, mode: RowMode, index: number, recorder: LatencyRecorder): Promise<BenchClient> {
  const clientId = `${group.label}-${mode}-${index}`;
  switch (mode) {
    case 'raw':
      return RawClient.open(group.url, clientId, 'raw', index, Buffer.alloc(group.rawRequestBytes, 0x61), recorder);
    case 'raw-durable':
      return RawClient.open(group.url, clientId, 'rawsync', index, Buffer.alloc(group.rawRequestBytes, 0x61), recorder);
    case 'stead':
      // One proxy per gadget: the model Stead is built for.
      return SteadClient.open(group.url, clientId, `toaster/shop-${index}`, 'bench', recorder);
    case 'stead-shared':
      // Every device on one proxy, each with its own logical session. Not shop-0: the per-device
      // rows would then pay for this row's hundred sessions in shop-0's record.
      return SteadClient.open(group.url, clientId, 'toaster/shared', `bench-${index}`, recorder);
  }
}

/** Connects in batches so a thousand handshakes do not pile onto the broker at once. */
async function openSet(group: GroupSpec, mode: RowMode): Promise<ClientSet> {
  const recorder = new LatencyRecorder();
  const started = performance.now();
  const clients: BenchClient[] = [];
  for (let first = 0; first < group.devices; first += group.connectBatch) {
    const batch: Promise<BenchClient>[] = [];
    for (let i = first; i < Math.min(group.devices, first + group.connectBatch); i++) batch.push(openClient(group, mode, i, recorder));
    clients.push(...(await Promise.all(batch)));
  }
  return { mode, clients, recorder, setupMs: performance.now() - started, warm: false, cpuMs: 0 };
}

async function runSegment(group: GroupSpec, set: ClientSet): Promise<void> {
  for (const client of set.clients) client.start();
  await sleep(set.warm ? group.settleMs : group.warmupMs);
  set.warm = true;
  set.recorder.start(performance.now());
  const cpu = process.cpuUsage();
  send({ type: 'measuring', label: group.label, mode: set.mode });
  await sleep(group.segmentMs);
  set.recorder.stop(performance.now());
  set.cpuMs += cpuMs(process.cpuUsage(cpu));
  send({ type: 'measured', label: group.label, mode: set.mode });
  // A call that never comes back must not hang the bench; the timer must not keep the process up.
  await Promise.race([Promise.all(set.clients.map((c) => c.stop())), sleep(15_000, undefined, { ref: false })]);
}

async function runGroup(group: GroupSpec): Promise<void> {
  const sets: ClientSet[] = [];
  try {
    for (const mode of group.modes) sets.push(await openSet(group, mode));
    for (let segment = 0; segment < group.segments; segment++) {
      for (const set of segment % 2 === 0 ? sets : [...sets].reverse()) await runSegment(group, set);
    }
  } finally {
    await Promise.all(sets.flatMap((set) => set.clients.map((c) => c.close())));
  }
  const outcomes: ModeOutcome[] = sets.map((set) => ({
    mode: set.mode,
    summary: set.recorder.summary(),
    failures: set.clients.reduce((sum, c) => sum + c.failures, 0),
    setupMs: set.setupMs,
    cpuMs: set.cpuMs,
  }));
  send({ type: 'result', label: group.label, outcomes });
}

process.on('message', (raw) => {
  const message = raw as ParentMessage;
  if (message.type === 'exit') {
    process.disconnect();
    return;
  }
  runGroup(message.group).catch((error: unknown) => {
    send({ type: 'failed', label: message.group.label, message: error instanceof Error ? error.message : String(error) });
  });
});
send({ type: 'ready' });
