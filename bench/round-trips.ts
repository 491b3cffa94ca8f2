import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createBroker, type SteadBroker } from '../broker/index.js';
import toaster from '../examples/toaster/app.js';
import { encodeCall, encodeFrame } from '../shared/wire/codec.js';
import { Kind, NONCE_BYTES } from '../shared/wire/frames.js';
import { ClientsProcess } from './clients-process.js';
import type { GroupSpec, LatencySummary, RowMode } from './protocol.js';
import { installRawEcho } from './raw-echo.js';

export interface RoundTripParams {
  store: string;
  devices: readonly number[];
  /** Devices in the extra row where all share one proxy; 0 skips it. */
  sharedDevices: number;
  warmupMs: number;
  durationMs: number;
  /** The duration is measured in this many segments per row, taking turns with the other rows. */
  segments: number;
  connectBatch: number;
  /** Modes to run (default all); `--modes stead` with `--cpu-prof` profiles Stead alone. */
  modes: readonly RowMode[];
  /** Node flags for the clients process, e.g. `--cpu-prof`. */
  clientNodeArgs: readonly string[];
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
  /** CPU time per call (user + system) of the broker process and of the clients process. */
  cpuUsPerCall: { broker: number; clients: number };
  /** Cores each process kept busy while measuring (1 = one core all the time). */
  cpuLoad: { broker: number; clients: number };
}

export interface RoundTripRatio {
  devices: number;
  mode: Exclude<RowMode, 'raw'>;
  callsPerSec: number;
  p50: number;
  p99: number;
  brokerCpuPerCall: number;
  clientsCpuPerCall: number;
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

const isRaw = (mode: RowMode): boolean => mode === 'raw' || mode === 'raw-durable';

/** One group per device count; the shared-proxy mode joins the group with its device count. */
function plan(params: RoundTripParams): { devices: number; modes: RowMode[] }[] {
  const groups = params.devices.map((devices): { devices: number; modes: RowMode[] } => ({
    devices,
    modes: devices === params.sharedDevices ? ['raw', 'raw-durable', 'stead', 'stead-shared'] : ['raw', 'raw-durable', 'stead'],
  }));
  if (params.sharedDevices > 0 && !params.devices.includes(params.sharedDevices)) {
    groups.push({ devices: params.sharedDevices, modes: ['raw', 'stead-shared'] });
  }
  // A group left with baselines only (its Stead modes not asked for) has nothing to compare.
  return groups
    .map((group) => ({ ...group, modes: group.modes.filter((mode) => params.modes.includes(mode)) }))
    .filter((group) => group.modes.some((mode) => !isRaw(mode)) || params.modes.every(isRaw));
}

/** The durable baseline syncs a file on the store's disk (next to a SQLite file, else in tmp). */
async function syncDir(store: string): Promise<string> {
  const parent = store.startsWith('sqlite:') ? dirname(resolve(store.slice('sqlite:'.length) || '.')) : tmpdir();
  return mkdtemp(join(parent, 'stead-bench-sync-'));
}

/** Raw aedes and Stead rows against one broker, driven by one clients process. */
export async function runRoundTrips(params: RoundTripParams, progress: (line: string) => void): Promise<RoundTripResults> {
  const payloadBytes = wireSizes();
  const broker = await createBroker({ port: 0, apps: [toaster], store: params.store });
  const dir = params.modes.includes('raw-durable') ? await syncDir(params.store) : null;
  const closeEcho = await installRawEcho(broker.aedes, payloadBytes.reply, dir === null ? undefined : join(dir, 'sync.bin'));
  let clients: ClientsProcess | null = null;
  try {
    clients = await ClientsProcess.spawn(params.clientNodeArgs);
    const rows: RoundTripRow[] = [];
    for (const [index, step] of plan(params).entries()) {
      const group = await runGroup(clients, broker, {
        label: `g${index}-${step.devices}`,
        modes: step.modes,
        devices: step.devices,
        url: broker.url,
        warmupMs: params.warmupMs,
        settleMs: Math.min(params.warmupMs, 250),
        segmentMs: params.durationMs / params.segments,
        segments: params.segments,
        connectBatch: params.connectBatch,
        rawRequestBytes: payloadBytes.request,
      });
      for (const row of group) {
        progress(`  ${row.mode.padEnd(12)} ${String(row.devices).padStart(5)} devices: ${Math.round(row.callsPerSec)} calls/s, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms`);
      }
      rows.push(...group);
    }
    return { payloadBytes, rows, ratios: ratios(rows) };
  } finally {
    await clients?.close();
    await broker.close();
    closeEcho();
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a group; commit stats add up over each mode's measured segments. */
async function runGroup(clients: ClientsProcess, broker: SteadBroker, spec: GroupSpec): Promise<RoundTripRow[]> {
  const stats = broker.committer.stats;
  const totals = new Map<RowMode, { writes: number; batches: number; cpuMs: number }>();
  let before = { writes: 0, batches: 0 };
  let cpu = process.cpuUsage();
  const outcomes = await clients.run(spec, {
    measuring: () => {
      before = { ...stats };
      cpu = process.cpuUsage();
    },
    measured: (mode) => {
      const used = process.cpuUsage(cpu);
      const sum = totals.get(mode) ?? { writes: 0, batches: 0, cpuMs: 0 };
      totals.set(mode, {
        writes: sum.writes + stats.writes - before.writes,
        batches: sum.batches + stats.batches - before.batches,
        cpuMs: sum.cpuMs + (used.user + used.system) / 1000,
      });
    },
  });
  return outcomes.map(({ mode, summary, failures, setupMs, cpuMs }) => {
    const { cpuMs: brokerCpuMs, ...c } = totals.get(mode) ?? { writes: 0, batches: 0, cpuMs: 0 };
    const perCall = (ms: number): number => (summary.calls > 0 ? (ms * 1000) / summary.calls : 0);
    const load = (ms: number): number => (summary.seconds > 0 ? ms / 1000 / summary.seconds : 0);
    return {
      mode,
      devices: spec.devices,
      proxies: isRaw(mode) ? 0 : mode === 'stead' ? spec.devices : 1,
      ...summary,
      failures,
      setupMs,
      commits: isRaw(mode) ? null : { ...c, perSync: c.batches > 0 ? c.writes / c.batches : 0 },
      cpuUsPerCall: { broker: perCall(brokerCpuMs), clients: perCall(cpuMs) },
      cpuLoad: { broker: load(brokerCpuMs), clients: load(cpuMs) },
    };
  });
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
      brokerCpuPerCall: row.cpuUsPerCall.broker / raw.cpuUsPerCall.broker,
      clientsCpuPerCall: row.cpuUsPerCall.clients / raw.cpuUsPerCall.clients,
    });
  }
  return result;
}
