import { mkdir, writeFile } from 'node:fs/promises';
import type { CodecResults } from './codec.js';
import type { RecoveryResults } from './recovery.js';
import type { RoundTripParams, RoundTripResults } from './round-trips.js';
import { fixed, percent, table, times, whole } from './table.js';

export interface Target {
  name: string;
  goal: string;
  /** Null when the run did not measure it. */
  actual: number | null;
  met: boolean | null;
  /** How `actual` prints; by default a ratio (goal ending in x) or a percentage. */
  unit?: 'seconds';
}

const MODE_LABELS = { raw: 'raw aedes', 'raw-durable': 'raw + fsync', stead: 'stead', 'stead-shared': 'stead, 1 proxy' } as const;

export function roundTripTables(results: RoundTripResults, params: RoundTripParams): string {
  const header = [
    'Round trips: QoS 1 both ways, closed loop, one request in flight per device; broker in this process,',
    `clients in a child process over loopback TCP; store ${params.store}; ${params.durationMs / 1000} s measured per row in`,
    `${params.segments} segments taking turns with the other rows of the same device count (raw, stead, stead, raw, …).`,
    `Raw payloads: ${results.payloadBytes.request} B request, ${results.payloadBytes.reply} B reply (Stead's call and reply sizes).`,
    'raw + fsync: raw aedes whose echo writes 4 KiB and fdatasyncs once per event-loop turn before replying: the floor',
    "under any reply made durable first, on this machine's disk (Stead's own cost is what it adds to that row).",
    'µs/call: CPU time (user + system) per call of each process; load: cores it kept busy.',
    "spread = (max - min) / mean of the segments' calls/s: how steady the machine was.",
    '',
    '',
  ].join('\n');
  const rows = results.rows.map((r) => [
    String(r.devices),
    MODE_LABELS[r.mode],
    r.mode === 'raw' || r.mode === 'raw-durable' ? '-' : String(r.proxies),
    whole(r.callsPerSec),
    fixed(r.p50Ms),
    fixed(r.p99Ms),
    r.commits ? fixed(r.commits.perSync, 1) : '-',
    `${fixed(r.cpuUsPerCall.broker, 1)} (${percent(r.cpuLoad.broker)})`,
    `${fixed(r.cpuUsPerCall.clients, 1)} (${percent(r.cpuLoad.clients)})`,
    percent(spread(r.segmentCallsPerSec)),
    String(r.failures),
  ]);
  const ratios = results.ratios.map((r) => [
    String(r.devices),
    MODE_LABELS[r.mode],
    percent(r.callsPerSec),
    times(r.p50),
    times(r.p99),
    times(r.brokerCpuPerCall),
    times(r.clientsCpuPerCall),
  ]);
  const main = table(
    ['devices', 'mode', 'proxies', 'calls/s', 'p50 ms', 'p99 ms', 'commits/sync', 'broker µs/call (load)', 'clients µs/call (load)', 'spread', 'failures'],
    rows,
  );
  if (ratios.length === 0) return header + main;
  return [header + main, '', 'Stead / raw, same devices', table(['devices', 'mode', 'calls/s', 'p50', 'p99', 'broker cpu/call', 'clients cpu/call'], ratios)].join('\n');
}

function spread(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean > 0 ? (Math.max(...values) - Math.min(...values)) / mean : 0;
}

export function codecTable(results: CodecResults): string {
  const rows = results.frames.map((f) => [
    f.name,
    String(f.cborBytes),
    String(f.jsonBytes),
    String(f.jsonWithSessionBytes),
    percent(f.cborBytes / f.jsonBytes),
    whole(f.cborOps),
    whole(f.jsonOps),
    times(f.cborOps / f.jsonOps),
  ]);
  const t = results.totals;
  rows.push(['mix (one of each)', String(t.cborBytes), String(t.jsonBytes), '', percent(t.bytesRatio), whole(t.cborOps), whole(t.jsonOps), times(t.speedRatio)]);
  return `Codec: ${results.method.replaceAll('. ', '.\n')}\n\n${table(['frame', 'cbor B', 'json B', 'json+session B', 'cbor/json', 'cbor rt/s', 'json rt/s', 'speed'], rows)}`;
}

export function targets(roundTrips: RoundTripResults | null, codec: CodecResults | null, recovery: RecoveryResults | null, store: string): Target[] {
  const at100 = roundTrips?.ratios.find((r) => r.devices === 100 && r.mode === 'stead') ?? null;
  const bytes = codec?.totals.bytesRatio ?? null;
  const speed = codec?.totals.speedRatio ?? null;
  const result: Target[] = [];
  if (roundTrips) {
    // Issue targets: without durability (memory:) ≥ 70% of raw; with durable commits ≥ 60%,
    // p50 ≤ 2× and p99 ≤ 3× raw at 100 devices, and p50 ≤ 3× raw for one device.
    const durable = !store.startsWith('memory:');
    const rate = at100?.callsPerSec ?? null;
    const floor = durable ? 0.6 : 0.7;
    result.push({ name: `stead calls/s at 100 devices vs raw (${durable ? 'durable' : 'memory'})`, goal: `>= ${floor * 100}%`, actual: rate, met: rate === null ? null : rate >= floor });
    if (durable) {
      const at1 = roundTrips?.ratios.find((r) => r.devices === 1 && r.mode === 'stead')?.p50 ?? null;
      result.push({ name: 'stead p50 at 1 device vs raw', goal: '<= 3x', actual: at1, met: at1 === null ? null : at1 <= 3 });
      const p50 = at100?.p50 ?? null;
      const p99 = at100?.p99 ?? null;
      result.push({ name: 'stead p50 at 100 devices vs raw', goal: '<= 2x', actual: p50, met: p50 === null ? null : p50 <= 2 });
      result.push({ name: 'stead p99 at 100 devices vs raw', goal: '<= 3x', actual: p99, met: p99 === null ? null : p99 <= 3 });
    }
  }
  if (recovery) {
    const seconds = recovery.recoveredMs === null ? null : recovery.recoveredMs / 1000;
    result.push({ name: `restart recovery, ${recovery.devices} devices (median)`, goal: '<= 5 s', actual: seconds, met: seconds !== null && seconds <= 5, unit: 'seconds' });
  }
  if (codec) {
    result.push({ name: 'frame bytes vs JSON (mix)', goal: '<= 40%', actual: bytes, met: bytes === null ? null : bytes <= 0.4 });
    result.push({ name: 'codec round trip speed vs JSON (mix)', goal: '>= 1.5x', actual: speed, met: speed === null ? null : speed >= 1.5 });
  }
  return result;
}

export function targetLines(list: readonly Target[]): string {
  return list
    .map((t) => {
      const actual = t.actual === null ? 'not measured' : t.unit === 'seconds' ? `${fixed(t.actual)} s` : t.goal.endsWith('x') ? times(t.actual) : percent(t.actual);
      const verdict = t.met === null ? '' : t.met ? 'met' : 'MISSED';
      return `  ${t.name.padEnd(50)} goal ${t.goal.padEnd(7)} actual ${actual.padEnd(8)} ${verdict}`;
    })
    .join('\n');
}

export function recoveryTable(results: RecoveryResults): string {
  const header = [
    `Broker restart recovery: ${results.devices} devices (set up in ${fixed(results.setupMs / 1000)} s), each with a begun session calling about once`,
    `per ${results.intervalMs} ms, and at once when its connection drops; the broker (a child process on a SQLite file) is`,
    'killed with SIGKILL and started again on the same file and port; devices reconnect with their default',
    'backoff. Times from the kill, in ms.',
    'restart: until the new broker listened (startup: its own process start-up, of that); reconnected:',
    'the last device connected again; recovered: the last device completed a call again (median device in',
    `brackets). Failed calls over the run: ${results.failures}.`,
    '',
    '',
  ].join('\n');
  const ms = (value: number | null): string => (value === null ? '-' : whole(value));
  const rows = results.rows.map((r) => [
    String(r.round),
    ms(r.restartMs),
    ms(r.startupMs),
    ms(r.reconnectedMs),
    `${ms(r.recoveredMs)} (${ms(r.recoveredP50Ms)})`,
    String(r.unrecovered),
  ]);
  return header + table(['round', 'restart', 'startup', 'reconnected', 'recovered (p50)', 'not back'], rows);
}

/** Writes `bench/results/<timestamp>.json` and `bench/results/latest.json`; returns the first path. */
export async function writeResults(report: object, startedAt: Date): Promise<string> {
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const stamped = new URL(`${startedAt.toISOString().replaceAll(':', '-')}.json`, dir);
  await writeFile(stamped, text);
  await writeFile(new URL('latest.json', dir), text);
  return stamped.pathname;
}
