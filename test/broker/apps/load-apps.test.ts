import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStead, spawnBroker } from '../../helpers/processes.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const METHODS = "init: () => ({}), methods: { ping: { args: [], run: () => 'pong' } }";
const esm = (name: string): string => `import { defineProxy } from 'stead/broker';\nexport default defineProxy({ name: '${name}', ${METHODS} });\n`;
const cjs = (name: string): string => `const { defineProxy } = require('stead/broker');\nmodule.exports = defineProxy({ name: '${name}', ${METHODS} });\n`;

/** App layouts a user's project may have: path → files (relative to the project). */
const LAYOUTS: Record<string, { app: string; name: string; files: Record<string, string> }> = {
  'a .ts file in a folder without "type": "module"': { name: 'plain-ts', app: 'plain/app.ts', files: { 'plain/app.ts': esm('plain-ts') } },
  'a .ts file in an ESM folder': { name: 'esm-ts', app: 'esm/app.ts', files: { 'esm/package.json': '{ "type": "module" }', 'esm/app.ts': esm('esm-ts') } },
  'a .mts file': { name: 'mts', app: 'shop.mts', files: { 'shop.mts': esm('mts') } },
  'a .mjs file': { name: 'mjs', app: 'shop.mjs', files: { 'shop.mjs': esm('mjs') } },
  'a .js ES module in an ESM folder': { name: 'esm-js', app: 'esm-js/app.js', files: { 'esm-js/package.json': '{ "type": "module" }', 'esm-js/app.js': esm('esm-js') } },
  'a .cjs file': { name: 'cjs', app: 'shop.cjs', files: { 'shop.cjs': cjs('cjs') } },
  'a CommonJS package (main)': {
    name: 'cjs-pkg',
    app: 'cjs-pkg',
    files: { 'cjs-pkg/package.json': '{ "name": "cjs-pkg", "main": "lib/main.js" }', 'cjs-pkg/lib/main.js': cjs('cjs-pkg') },
  },
  'an ESM package (exports)': {
    name: 'esm-pkg',
    app: 'esm-pkg',
    files: {
      'esm-pkg/package.json': '{ "name": "esm-pkg", "type": "module", "exports": { ".": { "import": "./src/index.js" } } }',
      'esm-pkg/src/index.js': esm('esm-pkg'),
    },
  },
  'a bare folder with app.ts': { name: 'bare', app: 'bare', files: { 'bare/app.ts': esm('bare') } },
};

/**
 * `stead broker --app <path>` loads an app wherever it lives in a user's project (issue 6, "the
 * package as a user installs it"): the real binary, the project resolving `stead` like a package.
 */
describe('stead broker --app loads app modules of every layout', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'stead-apps-'));
    await writeFile(join(project, 'package.json'), '{ "name": "user-project", "private": true }');
    await mkdir(join(project, 'node_modules'));
    await symlink(REPO, join(project, 'node_modules/stead'), 'dir');
    for (const { files } of Object.values(LAYOUTS)) {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(project, path)), { recursive: true });
        await writeFile(join(project, path), text);
      }
    }
  });

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it.each(Object.entries(LAYOUTS))('%s', async (_layout, { app, name }) => {
    const broker = await spawnBroker(['--store', 'memory:', '--app', join(project, app)]);
    try {
      const listening = broker.logs.find((line) => line.msg === 'stead broker listening');
      expect(listening?.apps).toEqual([name]);
    } finally {
      await broker.stop();
    }
  });

  it.each([
    ['a folder with no entry', 'empty'],
    ['a path that does not exist', 'missing.ts'],
  ])('%s is refused with APP_LOAD and exit code 1', async (_case, app) => {
    await mkdir(join(project, 'empty'), { recursive: true });
    const result = await runStead(['broker', '--port', '0', '--store', 'memory:', '--app', join(project, app)]);
    expect(result.code).toBe(1);
    const fatal = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { code?: string }).at(-1);
    expect(fatal?.code).toBe('STEAD_E_APP_LOAD');
  });
});
