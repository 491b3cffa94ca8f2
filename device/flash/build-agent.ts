import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import { SteadError } from '../../shared/errors.js';
import { parseGadget } from '../agent/gadget.js';

/**
 * This package's root: the folder of the package.json named `stead`, found upwards from this
 * module (device/flash/ in a checkout, dist/device/flash/ or dist/cli/'s one-file bundle of the
 * command in an installed package, which ships dist/ and no sources).
 */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!isSteadPackage(folder)) {
    if (dirname(folder) === folder) throw new SteadError('BAD_OPTIONS', 'cannot find the stead package the agent is built from');
    folder = dirname(folder);
  }
  return folder;
}

function isSteadPackage(folder: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: unknown }).name === 'stead';
  } catch {
    return false;
  }
}

/** A module of the device side as a file: the `.ts` source in a checkout, else the built `dist/…js`. */
function source(path: string): string {
  const root = packageRoot();
  const ts = join(root, `${path}.ts`);
  return existsSync(ts) ? ts : join(root, 'dist', `${path}.js`);
}

/**
 * cbor-x's `node` entry tries `require('cbor-extract')`, its native addon. The agent is pure
 * JavaScript (no addon built for the flashing machine's CPU can run on a Pi), so the bundle takes
 * cbor-x's plain entry (esbuild's `alias`), which never names the addon: the same encoder on its
 * JavaScript path.
 */
function cborPlainEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('cbor-x')), '..', 'index.js');
}

/**
 * Builds the flashed agent: ONE ESM JavaScript file for Node 18 (Raspberry Pi OS bookworm's
 * `nodejs`), with the gadget module and the agent in it, no native addon. The gadget imports
 * `stead/agent` (or, inside this repo, `device/agent/index.js`) and is bundled as written: that
 * entry's imports never reach the flash builder or the simulator. Deterministic: the same
 * sources give the same bytes, so a second flash rewrites nothing.
 */
export async function buildAgent(gadget: string): Promise<Uint8Array> {
  const gadgetPath = gadgetFile(gadget);
  return bundle(gadgetPath, [
    `import gadget from ${JSON.stringify(gadgetPath)};`,
    `import { agentMain, configArgument } from ${JSON.stringify(source('device/agent/agent-main'))};`,
    'await agentMain(configArgument(process.argv.slice(2)), gadget);',
  ]);
}

/**
 * The gadget's `app` (its proxy type), read by loading the gadget as the agent will: bundled
 * the same way (so a TypeScript gadget works under a Node without type stripping).
 */
export async function gadgetApp(gadget: string): Promise<string> {
  const gadgetPath = gadgetFile(gadget);
  const code = await bundle(gadgetPath, [`export { default } from ${JSON.stringify(gadgetPath)};`]);
  const folder = await mkdtemp(join(tmpdir(), 'stead-gadget-'));
  try {
    const file = join(folder, 'gadget.mjs');
    await writeFile(file, code);
    return parseGadget(((await import(pathToFileURL(file).href)) as { default?: unknown }).default).app;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function gadgetFile(gadget: string): string {
  const path = resolve(gadget);
  if (!existsSync(path)) throw new SteadError('BAD_OPTIONS', `no gadget module at ${path}`);
  return path;
}

async function bundle(gadgetPath: string, entry: string[]): Promise<Uint8Array> {
  let esbuild: typeof Esbuild;
  try {
    // Not a literal: the CLI's own one-file bundle must not try to take esbuild in.
    const name = 'esbuild';
    esbuild = (await import(name)) as typeof Esbuild;
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', 'stead flash needs esbuild: npm install esbuild', { cause });
  }
  let result: Esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      stdin: { contents: entry.join('\n'), resolveDir: dirname(gadgetPath), sourcefile: 'stead-agent-entry.js', loader: 'js' },
      bundle: true,
      write: false,
      platform: 'node',
      target: 'node18',
      format: 'esm',
      legalComments: 'none',
      // tweetnacl and mqtt.js are CommonJS and require Node's built-ins: give the bundle a require.
      banner: { js: "import { createRequire as steadRequire } from 'node:module'; const require = steadRequire(import.meta.url);" },
      alias: { 'cbor-x': cborPlainEntry() },
      logLevel: 'silent',
    });
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', `cannot build the agent: ${(cause as Error).message}`, { cause });
  }
  const file = result.outputFiles[0];
  if (!file) throw new SteadError('BAD_OPTIONS', 'esbuild produced no agent file');
  return file.contents;
}
