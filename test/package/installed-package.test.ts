import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserProject, packRepo, REPO } from '../helpers/user-project.js';
import { cliEnv } from '../helpers/cli-env.js';

/** A proxy app as a user writes it, in a project without `"type": "module"`. */
const APP_TS = `import { defineProxy } from 'stead/broker';

export default defineProxy({
  name: 'shop',
  init: () => ({ sold: {} as Record<string, number> }),
  methods: {
    buy: {
      args: ['string'],
      run(ctx, item: string) {
        ctx.state.sold[item] = (ctx.state.sold[item] ?? 0) + 1;
        return ctx.state.sold[item];
      },
    },
  },
});
`;

/** A gadget as a user writes one in their own project: it imports the installed package's agent entry. */
const GADGET_TS = `import { defineGadget } from 'stead/agent';

export default defineGadget({
  app: 'lamp',
  pins: { lamp: { line: 18, direction: 'out', initial: false, safe: false } },
  commands: { on: (_args, io) => io.pins.write('lamp', true), off: (_args, io) => io.pins.write('lamp', false) },
});
`;

/** Plain Node ESM: every entry point (stead/broker/testing needs vitest), the broker on the durable store, a device, callOnce. */
const CHECK_MJS = `import { startBroker } from 'stead/broker';
import { callOnce, connectDevice, isSteadError } from 'stead/device';

const broker = await startBroker({ port: 0, apps: ['./app.ts'], store: 'sqlite:./data/check.db' });
try {
  const device = await connectDevice({ url: broker.url });
  const bought = await device.session('shop/esm', 'check').call('buy', 'tea');
  await device.close();
  const once = await callOnce({ broker: broker.url, proxy: 'shop/esm', session: 'once', method: 'buy', args: ['tea'], journalDir: './journal' });
  const [agent, simulate, flash, hardware] = await Promise.all(['stead/agent', 'stead/simulate', 'stead/flash', 'stead/hardware'].map((entry) => import(entry)));
  const entries = [agent.defineGadget, simulate.simulateDevices, flash.flash, hardware.SimulatedGpio].map((value) => typeof value);
  console.log(JSON.stringify({ bought, once, isSteadError: typeof isSteadError, entries }));
} finally {
  await broker.close();
}
`;

/** CommonJS: require() of the ES module package (Node ≥ 20.19), and import() as everywhere. */
const CHECK_CJS = `const { createBroker, defineProxy } = require('stead/broker');
const { connectDevice } = require('stead/device');

(async () => {
  const counter = defineProxy({ name: 'counter', init: () => ({ n: 0 }), methods: { inc: { args: [], run: (ctx) => ++ctx.state.n } } });
  const broker = await createBroker({ port: 0, apps: [counter] });
  const device = await connectDevice({ url: broker.url });
  const n = await device.session('counter/cjs', 'check').call('inc');
  const agent = await import('stead/agent');
  await device.close();
  await broker.close();
  console.log(JSON.stringify({ n, imported: typeof agent.defineGadget }));
})();
`;

/** A TypeScript user of the declarations (type-checked, not run). */
const CHECK_MTS = `import { defineProxy, startBroker, type SteadBroker } from 'stead/broker';
import { callOnce, isSteadError, type CallOutcome, type ErrorCode } from 'stead/device';
import { defineGadget, type GadgetIo } from 'stead/agent';
import type { SimResult } from 'stead/simulate';
import type { FlashOptions } from 'stead/flash';
import { SimulatedGpio } from 'stead/hardware';

export const gadget = defineGadget({ app: 'lamp', commands: { on: (_args: unknown[], io: GadgetIo) => io.pins.write('lamp', true) } });
export const gpio = new SimulatedGpio();
export type Checked = [SimResult['ok'], FlashOptions['device']];

const counter = defineProxy({ name: 'counter', init: () => ({ n: 0 }), methods: { inc: { args: [], run: (ctx) => ++ctx.state.n } } });

export async function main(): Promise<CallOutcome> {
  const broker: SteadBroker = await startBroker({ port: 0, apps: [counter, './app.ts'] });
  const outcome = await callOnce({ broker: broker.url, proxy: 'counter/a', session: 's', method: 'inc', args: [] });
  const code: ErrorCode | null = outcome.status === 'answered' ? null : outcome.error.code;
  if (code && isSteadError(new Error(code))) throw new Error('unreachable');
  await broker.close();
  return outcome;
}
`;

/**
 * Issue 6, "the package as a user installs it": `npm pack` (its `prepare` builds dist/), the
 * tarball installed into a fresh project, and that project using it from the command line, from
 * plain ESM and CommonJS, and from TypeScript. Slow (a build and an install): about a minute.
 */
describe('the package as a user installs it', () => {
  let dir: string;
  let project: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-package-'));
    project = await createUserProject(dir, await packRepo(dir));
    await writeFile(join(project, 'app.ts'), APP_TS);
    await writeFile(join(project, 'check.mjs'), CHECK_MJS);
    await writeFile(join(project, 'check.cjs'), CHECK_CJS);
    await writeFile(join(project, 'check.mts'), CHECK_MTS);
    await writeFile(join(project, 'gadget.ts'), GADGET_TS);
  }, 300_000);

  afterAll(async () => {
    // Each child leads its own process group: npx and the node it starts go together.
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function start(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
    children.add(child);
    return child;
  }

  async function finish(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = start(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr };
  }

  it('ships compiled JavaScript and declarations, and no TypeScript sources', async () => {
    const installed = join(project, 'node_modules/stead');
    const files = (await readdir(installed, { recursive: true })).map((file) => relative(installed, join(installed, file)));
    expect(files).toContain('dist/cli/bin.js');
    expect(files).toContain('dist/cli/stead.bundle.js');
    expect(files).toContain('dist/broker/index.d.ts');
    expect(files).toContain('dist/broker/store/sqlite/sqlite-worker.js');
    expect(files.filter((file) => /\.[mc]?ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('stead broker --app ./app.ts runs the app on the durable store; npx stead call calls it', async () => {
    // The installed bin itself, not npx: the test signals it and reads its own exit code.
    const bin = join(project, 'node_modules/.bin/stead');
    // As the README's quick start: the broker makes and grants a key, stead call signs with it.
    const broker = start(bin, ['broker', '--app', './app.ts', '--port', '0', '--store', 'sqlite:./data/stead.db', '--admin-key', './data/dev.key']);
    const url = await new Promise<string>((resolve, reject) => {
      broker.once('close', (code) => reject(new Error(`stead broker exited with ${code}`)));
      createInterface({ input: broker.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const url = (JSON.parse(line) as { url?: unknown }).url;
        if (typeof url === 'string') resolve(url);
      });
    });
    const call = ['--no', 'stead', 'call', '--broker', url, '--key', './data/dev.key', '--journal', './journal', 'shop/cli', 'counter', 'buy'];
    expect(await finish('npx', [...call, '["bread"]'])).toMatchObject({ code: 0, stdout: '1\n' });
    expect(await finish('npx', [...call, '["bread"]'])).toMatchObject({ code: 0, stdout: '2\n' });
    broker.kill('SIGTERM');
    const [code] = (await once(broker, 'close')) as [number | null];
    expect(code).toBe(0);
  });

  it('npx stead flash builds the agent from the installed package into a folder; a gadget that does not build leaves no key', async () => {
    const flash = ['--no', 'stead', 'flash', '--device', 'lamp-1', '--broker', 'mqtt://127.0.0.1:1883', '--target', './root'];
    const broken = await finish('npx', [...flash, '--gadget', './missing.ts', '--key', './data/keys/broken.key']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/STEAD_E_BAD_OPTIONS/);
    expect(existsSync(join(project, 'data/keys/broken.key'))).toBe(false);

    const result = await finish('npx', [...flash, '--gadget', './gadget.ts', '--key', './data/keys/lamp-1.key']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^key +made /m);
    const agent = await readFile(join(project, 'root/opt/stead/agent.mjs'), 'utf8');
    // One file, pure JavaScript: the gadget and the agent in it, never the native codec addon.
    expect(agent).toContain('lamp');
    expect(agent).not.toContain('cbor-extract');
  });

  it('plain Node ESM imports every entry', async () => {
    const result = await finish(process.execPath, ['check.mjs']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      bought: 1,
      once: { status: 'answered', value: 2, resumed: false, warning: null },
      isSteadError: 'function',
      entries: ['function', 'function', 'function', 'function'],
    });
  });

  it('CommonJS requires the ES module package and import()s it', async () => {
    const result = await finish(process.execPath, ['check.cjs']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ n: 1, imported: 'function' });
  });

  // tsc checks the user's file against every entry's declarations and their dependencies' types:
  // tens of seconds on a busy machine.
  it('the declarations type-check a strict TypeScript user', { timeout: 180_000 }, async () => {
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
    const types = ['--typeRoots', join(REPO, 'node_modules/@types'), '--types', 'node'];
    const result = await finish(process.execPath, [tsc, ...options, ...types, 'check.mts']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
