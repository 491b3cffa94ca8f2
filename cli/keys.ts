import { Command, type Command as CommandType } from 'commander';
import type { KeyRegistry } from '../broker/index.js';
import { collect } from './options.js';

/** Where `stead keys new` writes a key file, and `stead broker` keeps its store, unless told otherwise. */
const DEFAULT_KEY_DIR = './data/keys';
const DEFAULT_STORE = 'sqlite:./data/stead.db';

interface StoreFlags {
  store: string;
}

interface GrantFlags extends StoreFlags {
  key?: string;
  publicKey?: string;
  proxy: string[];
  topic: string[];
  admin?: boolean;
  replace?: boolean;
}

/**
 * `stead keys new|grant|revoke|ls` (DESIGN §7, docs/identity.md). `new` makes a key pair on
 * this machine (the secret never leaves its file, mode 0600); the others edit the registry in
 * the broker's store (`--store`, the broker's default), with the store's version check. A
 * running broker on that store reads the change within its refresh time (250 ms by default), and
 * a revoked key's connections close.
 */
export function defineKeys(program: CommandType): void {
  const keys = new Command('keys').description('device keys: make a key pair, grant, revoke and list keys in the broker registry (a revoked key is never granted again)');
  keys
    .command('new')
    .description('make an ed25519 key pair for a device; writes its key file (mode 0600), prints the public key')
    .argument('<device>', 'device id, e.g. shop-1')
    .option('--out <file>', `key file (default ${DEFAULT_KEY_DIR}/<device>.key)`)
    .action(async (device: string, flags: { out?: string }) => run(() => newKey(device, flags.out)));
  keys
    .command('grant')
    .description('register a device key, or add grants to it (a new key given no grant gets */{device}: the proxies named like the device)')
    .argument('<device>', 'device id')
    .option('--key <file>', 'the key file (its public key is read; the secret is not stored)')
    .option('--public-key <base64url>', 'the public key, when the key file is elsewhere')
    .option('--proxy <pattern>', '<app|*>/<id|*|{device}> the key may call (repeatable)', collect, [] as string[])
    .option('--topic <filter>', 'plain MQTT topic filter outside the Stead root the key may use (repeatable)', collect, [] as string[])
    .option('--admin', 'the admin role: every proxy, and may observe every topic')
    .option('--replace', 'the grants become exactly those given (the role too: device unless --admin); how grants are narrowed')
    .option('--store <url>', 'the broker store', DEFAULT_STORE)
    .action(async (device: string, flags: GrantFlags) => run(() => grant(device, flags)));
  keys
    .command('revoke')
    .description("revoke a device key: it authenticates nothing more, and a running broker closes its connections")
    .argument('<device>', 'device id')
    .option('--store <url>', 'the broker store', DEFAULT_STORE)
    .action(async (device: string, flags: StoreFlags) => run(() => revoke(device, flags)));
  keys
    .command('ls')
    .description('list the keys of the registry as JSON lines (public keys, role, grants)')
    .option('--store <url>', 'the broker store', DEFAULT_STORE)
    .action(async (flags: StoreFlags) => run(() => list(flags)));
  program.addCommand(keys);
}

async function newKey(device: string, out: string | undefined): Promise<void> {
  const [{ newDeviceKey, toBase64Url }, { writeKeyFile }] = await Promise.all([import('../shared/index.js'), import('../device/index.js')]);
  const key = newDeviceKey(device);
  const file = out ?? `${DEFAULT_KEY_DIR}/${device}.key`;
  await writeKeyFile(file, key);
  print({ device, publicKey: toBase64Url(key.publicKey), file });
}

async function grant(device: string, flags: GrantFlags): Promise<void> {
  const { readKeyFile } = await import('../device/index.js');
  const publicKey = flags.key ? readKeyFile(flags.key).publicKey : flags.publicKey;
  await withRegistry(flags.store, async (registry) => {
    const entry = await registry.grant(device, {
      ...(publicKey === undefined ? {} : { publicKey }),
      proxies: flags.proxy,
      topics: flags.topic,
      ...(flags.admin ? { role: 'admin' as const } : {}),
      ...(flags.replace ? { replace: true } : {}),
    });
    print(entry);
  });
}

async function revoke(device: string, flags: StoreFlags): Promise<void> {
  await withRegistry(flags.store, async (registry) => {
    const revoked = await registry.revoke(device);
    print({ device, revoked });
  });
}

async function list(flags: StoreFlags): Promise<void> {
  await withRegistry(flags.store, async (registry) => {
    for (const entry of await registry.list()) print(entry);
  });
}

async function withRegistry(url: string, use: (registry: KeyRegistry) => Promise<void>): Promise<void> {
  const { openStore, KeyRegistry, SteadError } = await loadBroker();
  // A memory store lives and dies inside its broker's process: a registry written here would be lost.
  if (url.startsWith('memory:')) throw new SteadError('BAD_OPTIONS', 'a memory: store is private to its broker: use a sqlite: store, or broker.auth.keys in code');
  const store = await openStore(url);
  try {
    await use(new KeyRegistry(store));
  } finally {
    await store.close();
  }
}

async function loadBroker() {
  const [broker, { SteadError }] = await Promise.all([import('../broker/index.js'), import('../shared/index.js')]);
  return { ...broker, SteadError };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Errors print as `STEAD_E_…: message` on stderr, exit code 1. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`${typeof code === 'string' ? code : 'error'}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
