import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportedValues, importUserModule } from '../../shared/user-module.js';

const A = { a: 1 };
const B = { b: 2 };
const C = { c: 3 };

describe('exportedValues: the default export first, then the named ones, each value once', () => {
  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['an ES module with a default export only', { default: A }, [A]],
    ['an ES module with a default and named exports', { default: A, b: B, c: C }, [A, B, C]],
    ['an ES module with named exports only', { b: B, c: C }, [B, C]],
    ['one value exported under two names', { default: A, a: A, b: B }, [A, B]],
    ['CommonJS `module.exports = x`', { default: A }, [A]],
    ['CommonJS `exports.b = …` (Node finds the name)', { default: { b: B }, b: B }, [{ b: B }, B]],
    ['ESM compiled to CommonJS (`__esModule`): its default and named exports', { default: { __esModule: true, default: A, b: B }, b: B }, [A, B]],
    ['ESM compiled to CommonJS without a default', { default: { __esModule: true, b: B }, b: B }, [B]],
    ['an object default with a `default` key of its own, not compiled: the object itself', { default: { default: A } }, [{ default: A }]],
  ])('%s', (_name, namespace, expected) => {
    expect(exportedValues(namespace)).toEqual(expected);
  });
});

/** Module files a user may hand Stead: path → text; each exports 'main' and, some, 'named'. */
const FILES: Record<string, string> = {
  'cjs/package.json': '{}',
  'cjs/both.ts': "export default 'main';\nexport const scenario: string = 'named';\n",
  'cjs/named-only.ts': "export const gadget: string = 'named';\n",
  'cjs/plain.cjs': "module.exports = 'main';\n",
  'cjs/exports.cjs': "exports.scenario = 'named';\n",
  'esm/package.json': '{ "type": "module" }',
  'esm/both.ts': "export default 'main';\nexport const scenario: string = 'named';\n",
  'esm/both.js': "export default 'main';\nexport const scenario = 'named';\n",
  'both.mts': "export default 'main';\nexport const scenario: string = 'named';\n",
  'both.mjs': "export default 'main';\nexport const scenario = 'named';\n",
};

describe('importUserModule: every kind of file reads by the same rule', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-user-module-'));
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each<[string, unknown[]]>([
    ['cjs/both.ts', ['main', 'named']],
    ['cjs/named-only.ts', ['named']],
    ['cjs/plain.cjs', ['main']],
    ['cjs/exports.cjs', [{ scenario: 'named' }, 'named']],
    ['esm/both.ts', ['main', 'named']],
    ['esm/both.js', ['main', 'named']],
    ['both.mts', ['main', 'named']],
    ['both.mjs', ['main', 'named']],
  ])('%s', async (path, expected) => {
    expect(await importUserModule(join(dir, path))).toEqual(expected);
  });

  it('a file that does not exist rejects (the caller names the error)', async () => {
    await expect(importUserModule(join(dir, 'missing.ts'))).rejects.toBeDefined();
  });
});
