/**
 * `npm run bench` (DESIGN §11): raw aedes vs Stead round trips with the broker in this process
 * and the clients in a child process, then the codec against JSON. Prints tables and writes
 * bench/results/<timestamp>.json and bench/results/latest.json.
 *
 *   npm run bench -- [--store memory:|sqlite:<file>] [--duration-ms 5000] [--segments 4] [--warmup-ms 1500]
 *                    [--devices 1,100,1000] [--shared-devices 100] [--connect-batch 50]
 *                    [--only round-trips|codec] [--modes raw,stead,stead-shared] [--cpu-prof <dir>]
 *
 * `--cpu-prof <dir>` writes CPU profiles of the broker process (round trips only) and of the
 * clients process into dir; with `--modes stead` they show Stead's costs alone.
 */
import { readFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCpuProfile } from './cpu-profile.js';
import { runCodecBench, type CodecResults } from './codec.js';
import { codecTable, roundTripTables, targetLines, targets, writeResults } from './report.js';
import type { RowMode } from './protocol.js';
import { runRoundTrips, type RoundTripParams, type RoundTripResults } from './round-trips.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'memory:' },
    'duration-ms': { type: 'string', default: '5000' },
    segments: { type: 'string', default: '4' },
    'warmup-ms': { type: 'string', default: '1500' },
    devices: { type: 'string', default: '1,100,1000' },
    'shared-devices': { type: 'string', default: '100' },
    'connect-batch': { type: 'string', default: '50' },
    only: { type: 'string' },
    modes: { type: 'string', default: 'raw,stead,stead-shared' },
    'cpu-prof': { type: 'string' },
  },
});

function count(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(text)}`);
  return value;
}

const MODES: readonly RowMode[] = ['raw', 'stead', 'stead-shared'];

function modes(text: string): RowMode[] {
  const list = text.split(',');
  const unknown = list.filter((m) => !MODES.some((known) => known === m));
  if (unknown.length > 0) throw new Error(`--modes: unknown ${unknown.join(', ')}; known: ${MODES.join(', ')}`);
  return MODES.filter((m) => list.includes(m));
}

const profileDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
const params: RoundTripParams = {
  store: values.store,
  devices: values.devices.split(',').map((d) => count('devices', d)),
  sharedDevices: count('shared-devices', values['shared-devices']),
  warmupMs: count('warmup-ms', values['warmup-ms']),
  durationMs: count('duration-ms', values['duration-ms']),
  segments: Math.max(1, count('segments', values.segments)),
  connectBatch: Math.max(1, count('connect-batch', values['connect-batch'])),
  modes: modes(values.modes),
  clientNodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
};
const codecParams = { rounds: 7, roundMs: 100 };

async function versionOf(pkg: string): Promise<string> {
  const text = await readFile(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let codec: CodecResults | null = null;
  let roundTrips: RoundTripResults | null = null;

  if (values.only !== 'round-trips') {
    log('codec: CBOR frames vs JSON …');
    codec = runCodecBench(codecParams);
  }
  if (values.only !== 'codec') {
    log(`round trips: store ${params.store}, ${params.warmupMs} ms warm-up + ${params.durationMs} ms per row …`);
    const stopProfile = profileDir ? await startCpuProfile() : null;
    roundTrips = await runRoundTrips(params, log);
    if (stopProfile && profileDir) log(`broker profile: ${await stopProfile(profileDir)}; clients profile: ${profileDir}/CPU.*`);
  }

  const met = targets(roundTrips, codec, params.store);
  if (roundTrips) console.log(`\n${roundTripTables(roundTrips, params)}`);
  if (codec) console.log(`\n${codecTable(codec)}`);
  console.log(`\nTargets\n${targetLines(met)}`);

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    packages: { aedes: await versionOf('aedes'), mqtt: await versionOf('mqtt'), 'cbor-x': await versionOf('cbor-x') },
  };
  const report = { startedAt: startedAt.toISOString(), machine, params: { ...params, codec: codecParams }, roundTrips, codec, targets: met };
  const path = await writeResults(report, startedAt);
  console.log(`\nWrote ${path} and bench/results/latest.json`);
}

await main();
