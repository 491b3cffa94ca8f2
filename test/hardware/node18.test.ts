import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakePinctrl, FakeSysfs, PI5_CHIPS } from '../helpers/fake-sysfs.js';
import { bundleForNode18, node18Root, rootFolder, spawnInRoot, type RootFolder } from '../helpers/node18-root.js';

const ENTRY = fileURLToPath(new URL('./fixtures/node18-entry.ts', import.meta.url));
const HARDWARE = fileURLToPath(new URL('../../hardware/', import.meta.url));

// The flashed agent runs on Raspberry Pi OS (bookworm): `apt install nodejs` is Node 18.20.
describe('hardware/ runs under Debian bookworm’s own Node 18', () => {
  let folder: RootFolder | null = null;
  let sysfs: FakeSysfs | null = null;
  let skip: string | null = null;
  let root: string | null = null;

  beforeAll(async () => {
    const made = await node18Root();
    if (made.skip !== null) {
      skip = made.skip;
      console.warn(`SKIPPED the Node 18 test: ${skip}`);
      return;
    }
    root = made.root;
    folder = await rootFolder(root);
    await bundleForNode18(ENTRY, join(folder.host, 'entry.mjs'));
    await mkdir(join(folder.host, 'data'));
    sysfs = await FakeSysfs.create(PI5_CHIPS, join(folder.host, 'tree'));
    await mkdir(join(folder.host, 'bin'));
    await fakePinctrl(join(folder.host, 'bin'), `${folder.inside}/bin`);
  }, 600_000);

  afterAll(async () => {
    await sysfs?.close();
    await folder?.remove();
  });

  test('an esbuild bundle for node18 of hardware/ drives the fake GPIO tree, the simulator and a bundle', async (context) => {
    if (skip !== null || folder === null || sysfs === null || root === null) {
      context.skip(skip ?? 'no Node 18 root');
      return;
    }
    const child = spawnInRoot(root, `${folder.inside}/entry.mjs`, [`${folder.inside}/tree`, `${folder.inside}/data`], [`${folder.inside}/bin`]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines: string[] = [];
    const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const waiting = new Map<string, (line: string) => void>();
    reader.on('line', (line) => {
      lines.push(line);
      for (const [prefix, resolve] of waiting) if (line.startsWith(prefix)) resolve(line);
    });
    const exited = once(child, 'close') as Promise<[number | null]>;
    const line = (prefix: string): Promise<string> => {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiting.set(prefix, resolve);
        void exited.then(([code]) => reject(new Error(`node 18 exited with ${code} before "${prefix}": ${stderr}`)));
      });
    };

    expect(await line('version ')).toMatch(/^version v18\./);
    expect(await line('chip ')).toBe('chip pinctrl-rp1 571');
    await line('watching');
    expect(await sysfs.attribute(571 + 27, 'value')).toBe('0');
    await sysfs.setValue(571 + 17, true);
    child.stdin?.write('raised\n');
    expect(JSON.parse((await line('edge ')).slice(5))).toMatchObject({ pin: 'door', edge: 'rising', value: true });
    expect(await line('simulated ')).toBe('simulated "rising"');
    expect(JSON.parse((await line('bundle ')).slice(7))).toEqual({ ran: ['on', 'off'], status: 'completed', commands: ['done', 'done'] });
    const [code] = await exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(sysfs.exported).toEqual([571 + 27, 571 + 17]);
    // The door's pull went through the fake pinctrl found on the root's PATH.
    expect((await readFile(join(folder.host, 'bin', 'pinctrl.log'), 'utf8')).trim()).toBe('set 17 pu');
  }, 60_000);
});

/** APIs newer than Node 18 that TypeScript's ES2023 lib would let through unnoticed. */
const NEWER_THAN_NODE18 = [
  /\.toSorted\(/, /\.toReversed\(/, /\.toSpliced\(/, /\.with\(/, /Object\.groupBy/, /Map\.groupBy/, /Promise\.withResolvers/,
  /import\.meta\.(dirname|filename)/, /\bfs\.glob\b|\bglob\(/, /navigator\./, /\.isWellFormed\(/, /Array\.fromAsync/,
];

test('hardware/ names no API newer than Node 18', async () => {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(HARDWARE, { recursive: true })).filter((name) => name.endsWith('.ts'));
  const found: string[] = [];
  for (const file of files) {
    const text = await readFile(join(HARDWARE, file), 'utf8');
    for (const pattern of NEWER_THAN_NODE18) if (pattern.test(text)) found.push(`${file}: ${pattern}`);
  }
  expect(found).toEqual([]);
});
