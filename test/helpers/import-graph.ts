import { join } from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { OWN_NAME } from '../../eslint-layering.js';

/** Every source file of ours, wherever it lives: DESIGN §2 allows no import cycle anywhere. */
export const SOURCE_GLOBS = [
  '{broker,device,shared,hardware,cli,test,bench,examples}/**/*.{ts,mts,cts,js,mjs,cjs}',
  '*.{ts,mts,cts,js,mjs,cjs}',
];

const isOwnName = (request: string): boolean => request === OWN_NAME || request.startsWith(`${OWN_NAME}/`);

export interface ImportEdge {
  from: string;
  request: string;
  /** The file the request resolves to, relative to the root; null when it does not resolve. */
  to: string | null;
  dynamic: boolean;
}

export interface ImportGraph {
  files: string[];
  /**
   * Imports of our own files (relative specifiers, and the package's own name, `stead/…`), static
   * and dynamic, type-only included.
   */
  edges: ImportEdge[];
  /** Each cycle as the files on it, e.g. `['a.ts', 'b.ts']` for a.ts → b.ts → a.ts. */
  cycles: string[][];
}

/**
 * Reads the import graph with dpdm, which resolves through the TypeScript compiler and keeps
 * `import type` edges: a cycle of type imports is still a cycle between two layers.
 */
export async function readImportGraph(root: string, globs: readonly string[] = SOURCE_GLOBS): Promise<ImportGraph> {
  const tree = await parseDependencyTree([...globs], {
    cwd: root,
    context: root,
    tsconfig: join(root, 'tsconfig.json'),
    transform: false,
    skipDynamicImports: false,
  });
  // dist/ is the build, reached where a fixture imports the package by name (`stead/broker`).
  const files = Object.keys(tree).filter((file) => !file.startsWith('node_modules/') && !file.startsWith('node:') && !file.startsWith('dist/'));
  const edges = files.flatMap((from) =>
    (tree[from] ?? [])
      .filter((dependency) => dependency.request.startsWith('.') || isOwnName(dependency.request))
      .map((dependency) => ({
        from,
        request: dependency.request,
        to: dependency.id,
        // dpdm declares the kinds as an enum but does not export its values.
        dynamic: String(dependency.kind) === 'DynamicImport',
      })),
  );
  return { files, edges, cycles: parseCircular(tree) };
}
