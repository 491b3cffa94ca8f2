import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SteadError } from '../../shared/errors.js';

/** Files tried, in order, in a folder whose package.json names no entry (or that has none). */
const FOLDER_ENTRIES = ['app.ts', 'app.mts', 'app.js', 'app.mjs', 'app.cjs', 'index.ts', 'index.mts', 'index.js', 'index.mjs', 'index.cjs'];
/** Export conditions an app entry is taken from, in order. */
const CONDITIONS = ['import', 'node', 'default', 'require'];

/**
 * The module file an `--app` path names: the file itself, or for a folder (a package or a plain
 * folder) its package.json entry (`exports`, else `main`), else one of FOLDER_ENTRIES.
 */
export async function resolveApp(path: string): Promise<string> {
  const full = resolve(path);
  const kind = await kindOf(full);
  if (kind === 'file') return full;
  if (kind === 'missing') throw new SteadError('APP_LOAD', `app module ${path} does not exist`);
  const entry = await packageEntry(full);
  if (entry) return resolveApp(join(full, entry));
  for (const name of FOLDER_ENTRIES) if ((await kindOf(join(full, name))) === 'file') return join(full, name);
  throw new SteadError('APP_LOAD', `app folder ${path} has no package.json entry and none of ${FOLDER_ENTRIES.join(', ')}`);
}

async function kindOf(path: string): Promise<'file' | 'folder' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

async function packageEntry(folder: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(folder, 'package.json'), 'utf8');
  } catch {
    return null;
  }
  let manifest: { exports?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch (cause) {
    throw new SteadError('APP_LOAD', `${join(folder, 'package.json')} is not JSON`, { cause });
  }
  return exportsEntry(manifest.exports) ?? (typeof manifest.main === 'string' ? manifest.main : null);
}

/** The `.` entry of an `exports` field: a string, a `{ ".": … }` map, or a conditions object. */
function exportsEntry(exports: unknown): string | null {
  if (typeof exports === 'string') return exports;
  if (Array.isArray(exports)) return exportsEntry(exports[0]);
  if (typeof exports !== 'object' || exports === null) return null;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportsEntry(map['.']);
  for (const condition of CONDITIONS) if (condition in map) return exportsEntry(map[condition]);
  return null;
}
