import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { FlashOptions } from '../device/flash/index.js';
import { DEFAULT_KEY_DIR, DEFAULT_STORE_PATH, DEFAULT_STORE_URL } from '../shared/defaults.js';
import { reportingErrors } from './errors.js';
import { parsePositiveInteger } from './options.js';

interface FlashFlags {
  device: string;
  broker: string;
  target: string;
  gadget: string;
  proxy?: string;
  key?: string;
  store?: string;
  gpio: string;
  gpioRoot: string;
  watchdog: number;
  audience?: string;
  dryRun?: boolean;
}

/**
 * `stead flash` (DESIGN §9, docs/agent.md): `flash()` from the device side, which checks the
 * agent config it will write with the agent's schema, and prints each step. The key is
 * registered with `grantKey` in the broker's store when this machine can reach it (`--store`, or
 * the default store when the broker is on this machine); otherwise the `stead keys grant`
 * command to run there is printed.
 */
export function defineFlash(program: Command): void {
  program
    .command('flash')
    .description('build the device agent (one JavaScript file for Node 18), make or reuse the device key, and write agent, config, key and systemd unit into a target')
    .requiredOption('--device <id>', 'device id, e.g. lamp-1')
    .requiredOption('--broker <url>', 'the broker URL the gadget connects to')
    .requiredOption('--target <dir|ssh://user@host[:port]/path>', "the gadget's root file system (a folder), or a host over ssh")
    .requiredOption('--gadget <module>', 'the gadget app module (its default export is defineGadget(…))')
    .option('--proxy <app/id>', 'the proxy (default <gadget app>/<device>)')
    .option('--key <file>', `the device key file here, reused or made (default ${DEFAULT_KEY_DIR}/<device>.key)`)
    .option('--store <url>', `the broker's store to register the key in (default ${DEFAULT_STORE_URL} when that file exists and the broker is on this machine)`)
    .option('--gpio <backend>', 'linux or simulated', 'linux')
    .option('--gpio-root <dir>', 'root of the GPIO sysfs on the gadget', '/')
    .option('--watchdog <seconds>', 'systemd WatchdogSec', parsePositiveInteger, 30)
    .option('--audience <name>', "the broker's audience name (default stead)")
    .option('--dry-run', 'print every step (and the ssh/scp commands) without writing to the target')
    .action((flags: FlashFlags) => reportingErrors(() => runFlash(flags)));
}

async function runFlash(flags: FlashFlags): Promise<void> {
  const { flash } = await import('../device/flash/index.js');
  const store = flags.store ?? (isLoopback(flags.broker) && existsSync(DEFAULT_STORE_PATH) ? DEFAULT_STORE_URL : undefined);
  // Checked by flash() with the agent config's schema (gpio.backend is linux or simulated).
  const gpio = (flags.gpio === 'simulated' ? { backend: 'simulated' } : { backend: flags.gpio, root: flags.gpioRoot }) as FlashOptions['gpio'];
  await flash({
    device: flags.device,
    broker: flags.broker,
    target: flags.target,
    gadget: flags.gadget,
    proxy: flags.proxy,
    keyFile: flags.key,
    audience: flags.audience,
    gpio,
    watchdogSec: flags.watchdog,
    dryRun: flags.dryRun,
    register: store ? (device, publicKey, proxy) => register(store, device, publicKey, proxy) : undefined,
    onProgress: (step) => process.stdout.write(`${step.step.padEnd(8)} ${step.message}\n`),
  });
}

async function register(store: string, device: string, publicKey: string, proxy: string): Promise<boolean> {
  const { grantKey } = await import('../broker/index.js');
  await grantKey(device, { store, publicKey, proxies: [proxy] });
  return true;
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
