import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import { SteadError } from '../../shared/errors.js';

/** This package's sources: `device/…` from the repo, `dist/device/…` once built. */
const SIDE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A module of this package as a file: the `.ts` source when present, else the built `.js`. */
function source(path: string): string {
  const ts = join(SIDE_ROOT, `${path}.ts`);
  return existsSync(ts) ? ts : join(SIDE_ROOT, `${path}.js`);
}

/**
 * cbor-x's `node` entry tries `require('cbor-extract')`, its native addon. The agent is pure
 * JavaScript (no addon built for the flashing machine's CPU can run on a Pi), so the bundle takes
 * cbor-x's plain entry, which never names the addon: the same encoder on its JavaScript path.
 */
function cborPlainEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('cbor-x')), '..', 'index.js');
}

/**
 * Builds the flashed agent: ONE ESM JavaScript file for Node 18 (Raspberry Pi OS bookworm's
 * `nodejs`), with the gadget module and the agent in it, no native addon. The gadget imports
 * `defineGadget` from `stead/device`, which in the bundle is the agent's own part.
 * Deterministic: the same sources give the same bytes (a second flash rewrites nothing).
 */
export async function buildAgent(gadget: string): Promise<Uint8Array> {
  const gadgetPath = resolve(gadget);
  if (!existsSync(gadgetPath)) throw new SteadError('BAD_OPTIONS', `no gadget module at ${gadgetPath}`);
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', 'stead flash needs esbuild: npm install esbuild', { cause });
  }
  const mapped: Record<string, string> = {
    'stead/device': source('device/agent/index'),
    'stead/hardware': source('hardware/index'),
    'stead/shared': source('shared/index'),
    'cbor-x': cborPlainEntry(),
  };
  const entry = [
    `import gadget from ${JSON.stringify(gadgetPath)};`,
    `import { agentMain, configArgument } from ${JSON.stringify(source('device/agent/agent-main'))};`,
    'await agentMain(configArgument(process.argv.slice(2)), gadget);',
  ].join('\n');
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: dirname(gadgetPath), sourcefile: 'stead-agent-entry.js', loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    legalComments: 'none',
    // tweetnacl and mqtt.js are CommonJS and require Node's built-ins: give the bundle a require.
    banner: { js: "import { createRequire as steadRequire } from 'node:module'; const require = steadRequire(import.meta.url);" },
    plugins: [
      {
        name: 'stead-agent',
        setup(build) {
          build.onResolve({ filter: /^(stead\/(device|hardware|shared)|cbor-x)$/ }, (args) => ({ path: mapped[args.path]! }));
          // A gadget inside this repo imports the device side by path: the same mapping.
          build.onResolve({ filter: /device\/index\.js$/ }, (args) =>
            [join(SIDE_ROOT, 'device/index.js'), join(SIDE_ROOT, 'device/index.ts')].includes(resolve(args.resolveDir, args.path)) ? { path: mapped['stead/device']! } : undefined,
          );
          build.onResolve({ filter: /^cbor-extract$/ }, () => ({ errors: [{ text: 'the agent bundle must not use the cbor-extract addon' }] }));
        },
      },
    ],
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new SteadError('BAD_OPTIONS', 'esbuild produced no agent file');
  return file.contents;
}
