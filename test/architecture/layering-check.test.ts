import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readImportGraph } from '../helpers/import-graph.js';
import { layeringBreaks, lintScratch, repoLayering, sourceIn } from '../helpers/layering.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULE = 'no-restricted-imports';

// (folder, line injected into its first source): each breaks DESIGN §2, one folder per case.
const FORBIDDEN: [string, string][] = [
  ['broker/store', "import '../auth/index.js';"],
  ['broker/store/sqlite', "export type { KeyRegistry } from '../../auth/index.js';"],
  ['broker/record', "import 'stead/broker';"],
  ['broker/host', "export { createBroker } from 'stead/broker';"],
  ['broker/proxy', "import '../host/create-broker.js';"],
  ['broker/protocol', "import '../proxy/proxy.js';"],
  ['broker/metrics', "import '../store/types.js';"],
  ['broker/auth', "import '../proxy/proxy.js';"],
  ['broker/config', "import '../index.js';"],
  ['cli', "import 'stead/broker';"],
  ['device', "import type { Device } from 'stead/device';\nexport type Probe = Device;"],
  ['shared', "import 'stead/shared';"],
];
// The same kind of line, allowed: the failures above come from the table, not from the injecting.
const ALLOWED: [string, string][] = [
  ['broker/transaction', "import '../record/record.js';"],
  ['broker/http', "import '../metrics/index.js';"],
  ['broker/runtime', "import '../store/types.js';"],
];

/** Each case's file, its text with the line appended, and the line number it landed on. */
async function inject(cases: [string, string][]) {
  return Promise.all(
    cases.map(async ([folder, line]) => {
      const { file, code } = await sourceIn(ROOT, folder);
      const before = code.endsWith('\n') ? code : `${code}\n`;
      return { file, code: `${before}${line}\n`, line: before.split('\n').length };
    }),
  );
}

describe('the layering check fails on a forbidden import injected into a scratch copy', () => {
  // One type-aware ESLint run over the copy: it loads TypeScript, tens of seconds on a busy machine.
  it('flags each injected line, only it, and lets the allowed ones pass', { timeout: 120_000 }, async () => {
    const forbidden = await inject(FORBIDDEN);
    const allowed = await inject(ALLOWED);
    const results = await lintScratch(
      ROOT,
      Object.fromEntries([...forbidden, ...allowed].map((entry) => [entry.file, entry.code])),
    );
    const layering = (file: string) => {
      const result = results.find((each) => each.filePath === file);
      expect(result, `${file} was linted`).toBeDefined();
      return { errors: result!.errorCount, lines: result!.messages.filter((message) => message.ruleId === RULE).map((message) => message.line) };
    };

    for (const { file, line } of forbidden) {
      const { errors, lines } = layering(file);
      expect(lines, file).toEqual([line]);
      expect(errors, file).toBeGreaterThan(0);
    }
    for (const { file } of allowed) expect(layering(file).lines, file).toEqual([]);
  });
});

describe('the check of dynamic imports, which ESLint does not see', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads them from the import graph and fails on a forbidden one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-layering-'));
    await mkdir(join(dir, 'broker', 'store'), { recursive: true });
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    const file = 'broker/store/probe.ts';
    await writeFile(
      join(dir, file),
      "export const load = () => [import('stead/broker'), import('../auth/index.js'), import('../apps/import-app.js')];\n",
    );

    const { edges } = await readImportGraph(dir, ['broker/**/*.ts']);

    expect(edges.map((edge) => [edge.request, edge.dynamic])).toEqual([
      ['stead/broker', true],
      ['../auth/index.js', true],
      ['../apps/import-app.js', true],
    ]);
    const configs = await repoLayering(ROOT, file);
    const broken = edges.filter((edge) => layeringBreaks(ROOT, configs, file, `import '${edge.request}';\n`).length > 0);
    expect(broken.map((edge) => edge.request)).toEqual(['stead/broker', '../auth/index.js']);
  });
});
