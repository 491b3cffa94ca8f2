import { existsSync } from 'node:fs';
import type { Command } from 'commander';
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

/** The broker's default store, used to register a key when the broker runs on this machine. */
const LOCAL_STORE_FILE = './data/stead.db';

/**
 * `stead flash` (DESIGN §9, docs/agent.md): the work is `flash()` in device/flash; this file
 * parses flags, prints each step, and registers the key through the broker's store when it can
 * reach it (`--store`, or the default store when the broker is on this machine). A remote broker
 * has no admin request path yet: the exact `stead keys grant` command to run there is printed.
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
    .option('--key <file>', 'the device key file here, reused or made (default ./data/keys/<device>.key)')
    .option('--store <url>', `the broker's store to register the key in (default ${LOCAL_STORE_FILE} when it exists and the broker is on this machine)`)
    .option('--gpio <backend>', 'linux or simulated', 'linux')
    .option('--gpio-root <dir>', 'root of the GPIO sysfs on the gadget', '/')
    .option('--watchdog <seconds>', 'systemd WatchdogSec', parsePositiveInteger, 30)
    .option('--audience <name>', "the broker's audience name (default stead)")
    .option('--dry-run', 'print every step (and the ssh/scp commands) without writing to the target')
    .action(async (flags: FlashFlags) => {
      const [{ flash }, { SteadError, isSteadError }] = await Promise.all([import('../device/index.js'), import('../shared/index.js')]);
      try {
        if (flags.gpio !== 'linux' && flags.gpio !== 'simulated') throw new SteadError('BAD_OPTIONS', '--gpio is linux or simulated');
        const store = flags.store ?? (isLoopback(flags.broker) && existsSync(LOCAL_STORE_FILE) ? `sqlite:${LOCAL_STORE_FILE}` : undefined);
        await flash({
          device: flags.device,
          broker: flags.broker,
          target: flags.target,
          gadget: flags.gadget,
          proxy: flags.proxy,
          keyFile: flags.key,
          audience: flags.audience,
          gpio: flags.gpio === 'simulated' ? { backend: 'simulated' } : { backend: 'linux', root: flags.gpioRoot },
          watchdogSec: flags.watchdog,
          dryRun: flags.dryRun,
          register: store ? (device, publicKey, proxy) => register(store, device, publicKey, proxy) : undefined,
          onProgress: (step) => process.stdout.write(`${step.step.padEnd(8)} ${step.message}\n`),
        });
      } catch (error) {
        process.stderr.write(`${isSteadError(error) ? error.code : 'error'}: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

async function register(url: string, device: string, publicKey: string, proxy: string): Promise<boolean> {
  const { openStore, KeyRegistry } = await import('../broker/index.js');
  // Beside a running broker that owns the store: the registry record only (StoreRole).
  const store = await openStore(url, { role: 'registry' });
  try {
    await new KeyRegistry(store).grant(device, { publicKey, proxies: [proxy] });
    return true;
  } finally {
    await store.close();
  }
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
