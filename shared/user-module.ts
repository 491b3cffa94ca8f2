import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TsxApi from 'tsx/esm/api';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
/** Not a literal: a bundle that takes this file in (the flashed agent, the CLI) leaves tsx out. */
const TSX_API = 'tsx/esm/api';

/**
 * Imports a user's module (a proxy app, a store module, a gadget, a scenario) and returns what
 * it exports, by one rule: **its default export first, then its named exports in their order,
 * each value once**. (A module namespace lists its named exports by name.) A caller that wants one thing takes the first value that is one; a caller
 * that wants all (apps) takes every value that is one.
 *
 * JavaScript (ESM or CommonJS) loads with Node's own import(). TypeScript loads through tsx's
 * scoped `tsImport`, loaded only then: it compiles the file the way its folder says (ESM under
 * `"type": "module"` or for `.mts`, CommonJS otherwise), where a global tsx hook would try to
 * `require()` an ES module it is importing (`… in a cycle`).
 */
export async function importUserModule(file: string): Promise<unknown[]> {
  const url = pathToFileURL(resolve(file)).href;
  if (!TYPESCRIPT.has(extname(file))) return exportedValues((await import(url)) as Record<string, unknown>);
  const { tsImport } = (await import(TSX_API)) as typeof TsxApi;
  return exportedValues((await tsImport(url, import.meta.url)) as Record<string, unknown>);
}

/**
 * A module namespace's values by the rule above, CommonJS opened. Node's import() of CommonJS
 * gives `{ default: module.exports, …the names it could find }`, so `module.exports = x` is the
 * default and `exports.shop = …` a named export. A module compiled from ESM to CommonJS (by tsx
 * for a `.ts` file outside `"type": "module"`, or by Babel or tsc) marks `module.exports` with
 * `__esModule` and keeps its real default at `module.exports.default`: its exports are those of
 * `module.exports`.
 */
export function exportedValues(namespace: Readonly<Record<string, unknown>>): unknown[] {
  const inner = namespace.default as { __esModule?: unknown } | null | undefined;
  const exports = typeof inner === 'object' && inner !== null && inner.__esModule === true ? (inner as Record<string, unknown>) : namespace;
  const values = new Set<unknown>();
  if ('default' in exports) values.add(exports.default);
  for (const [name, value] of Object.entries(exports)) if (name !== 'default' && name !== '__esModule') values.add(value);
  return [...values];
}
