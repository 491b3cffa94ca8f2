/**
 * The clients child process: runs one row at a time for the orchestrator (bench/run.ts), which
 * hosts the broker. Keeping clients out of the broker's process means the broker's event loop
 * only does broker work, and every byte crosses loopback TCP.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchClient } from './bench-client.js';
import type { ChildMessage, ParentMessage, RowSpec } from './protocol.js';
import { RawClient } from './raw-client.js';
import { LatencyRecorder } from './stats.js';
import { SteadClient } from './stead-client.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

function openClient(row: RowSpec, index: number, recorder: LatencyRecorder): Promise<BenchClient> {
  const clientId = `${row.label}-${index}`;
  switch (row.mode) {
    case 'raw':
      return RawClient.open(row.url, clientId, index, Buffer.alloc(row.rawRequestBytes, 0x61), recorder);
    case 'stead':
      // One proxy per gadget: the model Stead is built for.
      return SteadClient.open(row.url, clientId, `toaster/shop-${index}`, 'bench', recorder);
    case 'stead-shared':
      // Every device on one proxy, each with its own logical session.
      return SteadClient.open(row.url, clientId, 'toaster/shop-0', `bench-${index}`, recorder);
  }
}

/** Connects in batches so a thousand handshakes do not pile onto the broker at once. */
async function openAll(row: RowSpec, recorder: LatencyRecorder): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  for (let first = 0; first < row.devices; first += row.connectBatch) {
    const batch: Promise<BenchClient>[] = [];
    for (let i = first; i < Math.min(row.devices, first + row.connectBatch); i++) batch.push(openClient(row, i, recorder));
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

async function runRow(row: RowSpec): Promise<void> {
  const recorder = new LatencyRecorder();
  const setupStart = performance.now();
  const clients = await openAll(row, recorder);
  const setupMs = performance.now() - setupStart;
  for (const client of clients) client.start();
  await sleep(row.warmupMs);
  recorder.start(performance.now());
  send({ type: 'measuring', label: row.label });
  await sleep(row.durationMs);
  recorder.stop(performance.now());
  send({ type: 'measured', label: row.label });
  await Promise.race([Promise.all(clients.map((c) => c.stop())), sleep(15_000)]);
  const failures = clients.reduce((sum, c) => sum + c.failures, 0);
  await Promise.all(clients.map((c) => c.close()));
  send({ type: 'result', label: row.label, summary: recorder.summary(), failures, setupMs });
}

process.on('message', (raw) => {
  const message = raw as ParentMessage;
  if (message.type === 'exit') {
    process.disconnect();
    return;
  }
  runRow(message.row).catch((error: unknown) => {
    send({ type: 'failed', label: message.row.label, message: error instanceof Error ? error.message : String(error) });
  });
});
send({ type: 'ready' });
