import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Imports an app module file. JavaScript (ESM or CommonJS) loads with Node's own import().
 * TypeScript loads through tsx's scoped `tsImport`, loaded only then: it compiles the file the
 * way its folder says (ESM under `"type": "module"` or for `.mts`, CommonJS otherwise), where a
 * global tsx hook would try to `require()` an ES module it is importing (`… in a cycle`).
 */
export async function importApp(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!TYPESCRIPT.has(extname(file))) return (await import(url)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/**
 * What a module exports, CommonJS wrappers opened: `import()` of CommonJS gives
 * `{ default: module.exports }`, and TypeScript compiled to CommonJS puts its own default there.
 */
export function exportedValues(module: Record<string, unknown>): unknown[] {
  const values = Object.values(module);
  const inner = module.default;
  if (typeof inner === 'object' && inner !== null) {
    values.push(...Object.values(inner));
    const innerDefault = (inner as { default?: unknown }).default;
    if (typeof innerDefault === 'object' && innerDefault !== null) values.push(...Object.values(innerDefault));
  }
  return values;
}
