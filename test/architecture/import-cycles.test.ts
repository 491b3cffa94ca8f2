import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readImportGraph } from '../helpers/import-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('import cycles (DESIGN §2: none, anywhere)', () => {
  // Reading the whole tree's import graph takes ~10 s alone and three times that on a loaded
  // runner: a generous limit, since this test asserts the graph, not its speed.
  it('the repo has none, type-only imports included', { timeout: 180_000 }, async () => {
    const graph = await readImportGraph(ROOT);
    // The graph really covers the tree: every side and the tests were read, every import resolved.
    for (const folder of ['broker/', 'device/', 'shared/', 'test/']) {
      expect(graph.files.filter((file) => file.startsWith(folder)).length, folder).toBeGreaterThan(3);
    }
    expect(graph.edges.length).toBeGreaterThan(100);
    expect(graph.edges.filter((edge) => edge.to === null)).toEqual([]);
    expect(graph.cycles).toEqual([]);
  });

  describe('the check itself', () => {
    let dir = '';
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('finds a cycle made of a type import and a value import, and nothing else', async () => {
      dir = await mkdtemp(join(tmpdir(), 'stead-cycle-'));
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
      await writeFile(join(dir, 'proxy.ts'), "import { handle } from './handler.js';\nexport class Proxy { run(): void { handle(this); } }\n");
      await writeFile(join(dir, 'handler.ts'), "import type { Proxy } from './proxy.js';\nexport function handle(_proxy: Proxy): void {}\n");
      await writeFile(join(dir, 'host.ts'), "import { Proxy } from './proxy.js';\nexport const proxy = new Proxy();\n");

      const graph = await readImportGraph(dir, ['*.ts']);

      expect(graph.files.sort()).toEqual(['handler.ts', 'host.ts', 'proxy.ts']);
      // One cycle, whichever file dpdm happened to enter it by.
      expect(graph.cycles.map((cycle) => [...cycle].sort())).toEqual([['handler.ts', 'proxy.ts']]);
    });
  });
});
