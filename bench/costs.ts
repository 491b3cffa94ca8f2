/**
 * `npm run bench:costs` ("Costs, measured" in docs/stores.md): memory and storage bytes per proxy and per
 * logical session in the memory and SQLite stores, as a markdown table. `--write` puts the table
 * into docs/stores.md between its `costs` markers.
 *
 *   npm run bench:costs -- [--proxies 500] [--sessions 500] [--write]
 *
 * Run with `node --expose-gc` (the npm script does): memory is the broker's heap after a full
 * collection, with the devices that made the proxies closed, so only what the broker keeps for
 * a live proxy or session counts. Storage is what the store holds: the SQLite file (database and
 * WAL, after close) or the memory store's record and key bytes.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createBroker, openStore, type Store } from '../broker/index.js';
import { connectDevice } from '../device/index.js';
import toaster from '../examples/toaster/app.js';
import { whole } from './table.js';

const { values } = parseArgs({
  options: { proxies: { type: 'string', default: '500' }, sessions: { type: 'string', default: '500' }, write: { type: 'boolean', default: false } },
});
const PROXIES = Number(values.proxies);
const SESSIONS = Number(values.sessions);
const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error('run with node --expose-gc (npm run bench:costs)');
const collect: () => void = exposedGc;

/** What one measure made: `count` things (proxies, sessions) over an empty baseline. */
interface Cost {
  memoryBytes: number;
  storageBytes: number;
}

/** One thing the table prices: it makes `count` of them through a device, one call each. */
interface Measure {
  name: string;
  count: number;
  make(url: string, count: number): Promise<void>;
}

/** The calls that make things: one `buy` per (proxy, session), through one device. */
async function calls(url: string, pairs: Iterable<[string, string]>): Promise<void> {
  const device = await connectDevice({ url });
  try {
    for (const [address, session] of pairs) await device.session(address, session).call('buy', 'bread');
  } finally {
    await device.close();
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const MEASURES: Measure[] = [
  // A proxy with its one session and one committed call.
  { name: 'per proxy', count: PROXIES, make: (url, n) => calls(url, range(n).map((i) => [`toaster/p${i}`, 'kitchen'])) },
  // One more logical session (begun, one call in its reply cache) on a proxy that has one.
  { name: 'per session', count: SESSIONS, make: (url, n) => calls(url, [['toaster/shared', 'kitchen'], ...range(n).map((i): [string, string] => ['toaster/shared', `s${i}`])]) },
  // One more session resource (a 32-character string under a 4–6 character key) in one session.
  { name: 'per resource', count: SESSIONS, make: (url, n) => sinks(url, n) },
];

/** `n` resources sunk into one session of one proxy, through the device's resource client. */
async function sinks(url: string, n: number): Promise<void> {
  const device = await connectDevice({ url });
  try {
    const resources = device.resources('toaster/res');
    for (let i = 0; i < n; i++) await resources.sink('kitchen', `r${i}`, 'x'.repeat(32));
  } finally {
    await device.close();
  }
}

interface StoreKind {
  name: string;
  open(dir: string): Promise<Store>;
  /** Bytes the store holds, after it closed; `held` is its records' and keys' bytes, read before. */
  bytes(dir: string, held: number): Promise<number>;
}

const STORES: StoreKind[] = [
  {
    name: 'memory',
    open: () => openStore('memory:'),
    bytes: async (_dir, held) => held,
  },
  {
    name: 'sqlite',
    open: (dir) => openStore(`sqlite:${join(dir, 'stead.db')}`),
    bytes: async (dir) => {
      let total = 0;
      for (const file of ['stead.db', 'stead.db-wal']) total += await stat(join(dir, file)).then((s) => s.size, () => 0);
      return total;
    },
  },
];

/** Records and keys: what the memory store keeps. */
async function heldBytes(store: Store): Promise<number> {
  let total = 0;
  for (const key of await store.list()) total += key.length + ((await store.load(key))?.record.length ?? 0);
  return total;
}

/** Heap and store bytes of a broker after `make(count)`, over the same broker made with nothing. */
async function measure(kind: StoreKind, make: (url: string) => Promise<void>): Promise<Cost> {
  const dir = await mkdtemp(join(tmpdir(), 'stead-costs-'));
  try {
    const store = await kind.open(dir);
    // Resources are measured in one session: let it hold as many as the measure makes.
    const limits = { maxResourcesPerSession: 1_000_000 };
    const broker = await createBroker({ port: 0, apps: [toaster], store, limits, logger: pino({ level: 'silent' }) });
    await make(broker.url);
    collect();
    collect();
    const memoryBytes = process.memoryUsage().heapUsed;
    const held = await heldBytes(store);
    await broker.close();
    return { memoryBytes, storageBytes: await kind.bytes(dir, held) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function costOf(kind: StoreKind, item: Measure): Promise<Cost> {
  // A baseline of one (a proxy, or a proxy with one session), so the broker's fixed costs cancel.
  const base = await measure(kind, (url) => item.make(url, 1));
  const full = await measure(kind, (url) => item.make(url, item.count + 1));
  return {
    memoryBytes: (full.memoryBytes - base.memoryBytes) / item.count,
    storageBytes: (full.storageBytes - base.storageBytes) / item.count,
  };
}

const rows: string[] = [];
for (const kind of STORES) {
  for (const item of MEASURES) {
    const cost = await costOf(kind, item);
    rows.push(`| ${kind.name} | ${item.name} (${item.count}) | ${whole(cost.memoryBytes)} | ${whole(cost.storageBytes)} |`);
  }
}
const table = [
  '| store | what (how many) | memory bytes each | storage bytes each |',
  '| --- | --- | ---: | ---: |',
  ...rows,
].join('\n');
console.log(table);

if (values.write) {
  const docs = new URL('../docs/stores.md', import.meta.url);
  const text = await readFile(docs, 'utf8');
  const start = '<!-- costs:start (npm run bench:costs -- --write) -->';
  const end = '<!-- costs:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/stores.md has no ${start} … ${end} markers`);
  const note = `Measured ${new Date().toISOString().slice(0, 10)} with Node.js ${process.version}.`;
  await writeFile(docs, `${text.slice(0, from + start.length)}\n${table}\n\n${note}\n${text.slice(to)}`);
}
