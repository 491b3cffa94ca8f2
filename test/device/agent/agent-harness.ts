import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createBroker, type SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../../device/index.js';
import { flash, type FlashResult, type FlashStep } from '../../../device/flash/index.js';
import type { BundleReport } from '../../../hardware/index.js';
import { grantNewKey } from '../../helpers/keys.js';
import lampProxy from './fixtures/lamp-proxy.js';

export const GADGET = fileURLToPath(new URL('./fixtures/lamp-gadget.ts', import.meta.url));
export const DEVICE = 'lamp-1';

export interface LampStatus {
  hellos: { crashed: boolean; memento: unknown }[];
  reportCalls: number;
  reports: BundleReport[];
}

export interface GpioLine {
  at: number;
  pin: string;
  kind: string;
  value: boolean;
}

/** A broker with keys required and the lamp proxy, a phone (test device) granted lamp/lamp-1, a temp folder. */
export interface AgentWorld {
  broker: SteadBroker;
  phone: Device;
  session: DeviceSession;
  dir: string;
  flash(target: string, progress?: FlashStep[]): Promise<FlashResult>;
  status(): Promise<LampStatus>;
  close(): Promise<void>;
}

export async function agentWorld(): Promise<AgentWorld> {
  const broker = await createBroker({ port: 0, apps: [lampProxy], auth: {}, logger: pino({ level: process.env.STEAD_TEST_LOG ?? 'silent' }) });
  const phoneKey = await grantNewKey(broker, 'phone', { proxies: [`lamp/${DEVICE}`] });
  const phone = await connectDevice({ url: broker.url, key: phoneKey });
  const session = phone.session(`lamp/${DEVICE}`, 'phone');
  const dir = await mkdtemp(join(tmpdir(), 'stead-agent-'));
  return {
    broker,
    phone,
    session,
    dir,
    flash: (target, progress = []) =>
      flash({
        device: DEVICE,
        broker: broker.url,
        target,
        gadget: GADGET,
        keyFile: join(dir, 'keys', `${DEVICE}.key`),
        gpio: { backend: 'simulated' },
        register: async (device, publicKey, proxy) => {
          await broker.auth.keys!.grant(device, { publicKey, proxies: [proxy] });
          return true;
        },
        onProgress: (step) => progress.push(step),
      }),
    status: async () => (await session.call('status')) as LampStatus,
    async close() {
      await phone.close();
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The simulated pins' history the agent appends in its data folder. */
export async function gpioHistory(dataDir: string): Promise<GpioLine[]> {
  const text = await readFile(join(dataDir, 'gpio-history.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as GpioLine);
}

/** The flashed agent run by this machine's node from its flashed folder (`<root>/opt/stead`). */
export function startFlashedAgent(root: string, env: NodeJS.ProcessEnv = {}): AgentProcess {
  const folder = join(root, 'opt/stead');
  const child = spawn(process.execPath, [join(folder, 'agent.mjs'), '--config', join(folder, 'agent.json')], {
    cwd: folder,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return agentProcess(child);
}

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

export function agentProcess(child: ChildProcess): AgentProcess {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}
