import { createBroker, type SteadBroker } from '../broker/index.js';
import toaster from '../examples/toaster/app.js';
import { encodeCall, encodeFrame } from '../shared/wire/codec.js';
import { Kind, NONCE_BYTES } from '../shared/wire/frames.js';
import { ClientsProcess } from './clients-process.js';
import type { LatencySummary, RowMode, RowSpec } from './protocol.js';
import { installRawEcho } from './raw-echo.js';

export interface RoundTripParams {
  store: string;
  devices: readonly number[];
  /** Devices in the extra row where all share one proxy; 0 skips it. */
  sharedDevices: number;
  warmupMs: number;
  durationMs: number;
  connectBatch: number;
}

export interface CommitStats {
  writes: number;
  batches: number;
  /** Writes per store transaction (one sync each on a durable store). */
  perSync: number;
}

export interface RoundTripRow extends LatencySummary {
  mode: RowMode;
  devices: number;
  proxies: number;
  failures: number;
  setupMs: number;
  /** Group-commit stats over the measured window; null for raw rows. */
  commits: CommitStats | null;
}

export interface RoundTripRatio {
  devices: number;
  mode: Exclude<RowMode, 'raw'>;
  callsPerSec: number;
  p50: number;
  p99: number;
}

export interface RoundTripResults {
  /** Payload bytes of a raw request and reply, sized like Stead's call and reply frames. */
  payloadBytes: { request: number; reply: number };
  rows: RoundTripRow[];
  ratios: RoundTripRatio[];
}

/** Stead's frames for `buy('bread', n)` and its reply, at a typical seq and count. */
function wireSizes(): { request: number; reply: number } {
  const nonce = new Uint8Array(NONCE_BYTES);
  return {
    request: encodeCall(nonce, 1000, 999, 'buy', ['bread', 1000]).length,
    reply: encodeFrame({ kind: Kind.reply, ref: nonce, seq: 1000, value: 1000 }).length,
  };
}

function plan(params: RoundTripParams): { mode: RowMode; devices: number }[] {
  const rows: { mode: RowMode; devices: number }[] = [];
  for (const devices of params.devices) rows.push({ mode: 'raw', devices }, { mode: 'stead', devices });
  if (params.sharedDevices > 0) rows.push({ mode: 'stead-shared', devices: params.sharedDevices });
  return rows;
}

/** Raw aedes and Stead rows against one broker, driven by one clients process. */
export async function runRoundTrips(params: RoundTripParams, progress: (line: string) => void): Promise<RoundTripResults> {
  const payloadBytes = wireSizes();
  const broker = await createBroker({ port: 0, apps: [toaster], store: params.store });
  await installRawEcho(broker.aedes, payloadBytes.reply);
  let clients: ClientsProcess | null = null;
  try {
    clients = await ClientsProcess.spawn();
    const rows: RoundTripRow[] = [];
    for (const [index, step] of plan(params).entries()) {
      const row = await runRow(clients, broker, {
        label: `r${index}-${step.mode}-${step.devices}`,
        mode: step.mode,
        devices: step.devices,
        url: broker.url,
        warmupMs: params.warmupMs,
        durationMs: params.durationMs,
        connectBatch: params.connectBatch,
        rawRequestBytes: payloadBytes.request,
      });
      progress(`  ${step.mode.padEnd(12)} ${String(step.devices).padStart(5)} devices: ${Math.round(row.callsPerSec)} calls/s, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms`);
      rows.push(row);
    }
    return { payloadBytes, rows, ratios: ratios(rows) };
  } finally {
    await clients?.close();
    await broker.close();
  }
}

async function runRow(clients: ClientsProcess, broker: SteadBroker, spec: RowSpec): Promise<RoundTripRow> {
  const stats = broker.committer.stats;
  let before = { writes: 0, batches: 0 };
  let after = { writes: 0, batches: 0 };
  const outcome = await clients.run(spec, {
    measuring: () => (before = { ...stats }),
    measured: () => (after = { ...stats }),
  });
  const writes = after.writes - before.writes;
  const batches = after.batches - before.batches;
  return {
    mode: spec.mode,
    devices: spec.devices,
    proxies: spec.mode === 'raw' ? 0 : spec.mode === 'stead' ? spec.devices : 1,
    ...outcome.summary,
    failures: outcome.failures,
    setupMs: outcome.setupMs,
    commits: spec.mode === 'raw' ? null : { writes, batches, perSync: batches > 0 ? writes / batches : 0 },
  };
}

/** Stead over raw for each Stead row, against the raw row with the same number of devices. */
function ratios(rows: readonly RoundTripRow[]): RoundTripRatio[] {
  const result: RoundTripRatio[] = [];
  for (const row of rows) {
    if (row.mode === 'raw') continue;
    const raw = rows.find((r) => r.mode === 'raw' && r.devices === row.devices);
    if (!raw) continue;
    result.push({
      devices: row.devices,
      mode: row.mode,
      callsPerSec: row.callsPerSec / raw.callsPerSec,
      p50: row.p50Ms / raw.p50Ms,
      p99: row.p99Ms / raw.p99Ms,
    });
  }
  return result;
}
