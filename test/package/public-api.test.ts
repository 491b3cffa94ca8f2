import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as wire from '../../shared/wire/index.js';
import { readImportGraph } from '../helpers/import-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Entry {
  /** As users import it: `stead/device`. */
  name: string;
  /** The built module and its declarations, relative to the root (`dist/device/index.js`). */
  code: string;
  types: string;
}

/** The package's entries, read from package.json `exports`: what users can import is exactly this. */
const ENTRIES: Entry[] = Object.entries(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; default: string }> }).exports,
).flatMap(([path, target]) =>
  typeof target === 'string' ? [] : [{ name: `stead${path.slice(1)}`, code: target.default.slice(2), types: target.types.slice(2) }],
);

/** Every name an entry's declarations export, values and types alike (the TypeScript compiler's view). */
function declaredNames(entries: Entry[]): Map<string, string[]> {
  const files = entries.map((entry) => join(ROOT, entry.types));
  const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, noEmit: true, types: ['node'] });
  const checker = program.getTypeChecker();
  return new Map(
    entries.map((entry, index) => {
      const source = program.getSourceFile(files[index]!);
      const module = source && checker.getSymbolAtLocation(source);
      if (!module) throw new Error(`no declarations at ${entry.types}`);
      return [entry.name, checker.getExportsOfModule(module).map((symbol) => symbol.name)];
    }),
  );
}

interface Surface {
  /** One line per name, values before types, so that an API change reads as a plain diff. */
  text: string;
  /** Per entry, the names its built module exports at run time. */
  values: Map<string, string[]>;
  /** Per entry, the names its declarations export. */
  declared: Map<string, string[]>;
}

async function readSurface(): Promise<Surface> {
  const declared = declaredNames(ENTRIES);
  const values = new Map<string, string[]>();
  const lines: string[] = [];
  for (const entry of [...ENTRIES].sort((a, b) => a.name.localeCompare(b.name))) {
    const runtime = Object.keys((await import(pathToFileURL(join(ROOT, entry.code)).href)) as object).sort();
    const types = (declared.get(entry.name) ?? []).filter((name) => !runtime.includes(name)).sort();
    values.set(entry.name, runtime);
    lines.push(`${entry.name} (${runtime.length} values, ${types.length} types)`);
    lines.push(...runtime.map((name) => `  value ${name}`), ...types.map((name) => `  type  ${name}`), '');
  }
  return { text: lines.join('\n'), values, declared };
}

let read: Promise<Surface> | null = null;
const surface = (): Promise<Surface> => (read ??= readSurface());

describe('the public API (package.json exports)', () => {
  // Reading the declarations compiles them with their dependencies' types: seconds, not milliseconds.
  it('is the snapshot: every entry and every name it exports', { timeout: 120_000 }, async () => {
    // A change here is a change to what users import: update the snapshot on purpose (vitest -u).
    await expect((await surface()).text).toMatchFileSnapshot('./public-api.snapshot.txt');
  });

  it('declares a type for every value it exports', async () => {
    const { values: entries, declared } = await surface();
    for (const [entry, values] of entries) {
      expect(values.filter((name) => !declared.get(entry)?.includes(name)), entry).toEqual([]);
    }
  });

  it('keeps the wire codec internal: no entry exports a name of shared/wire', async () => {
    const codec = Object.keys(wire);
    for (const [entry, values] of (await surface()).values) {
      expect(values.filter((name) => codec.includes(name)), entry).toEqual([]);
    }
  });

  // `stead flash` bundles a gadget as written: what the gadget imports must not pull in the flash
  // builder (esbuild) or the simulator, and a device program must not load the agent.
  it.each([
    ['device/agent/index.ts', ['device/flash/', 'device/sim/', 'broker/', 'cli/']],
    ['device/index.ts', ['device/agent/', 'device/flash/', 'device/sim/', 'broker/', 'cli/']],
    ['hardware/index.ts', ['device/', 'broker/', 'cli/']],
  ])('%s reaches none of %j', async (entry, outside) => {
    const { files } = await readImportGraph(ROOT, [entry]);
    expect(files).toContain(entry);
    expect(files.filter((file) => outside.some((folder) => file.startsWith(folder)))).toEqual([]);
  });
});
