import { Command, type Command as CommandType } from 'commander';
import { DEFAULT_KEY_DIR, DEFAULT_STORE_URL } from '../shared/defaults.js';
import { reportingErrors } from './errors.js';
import { collect } from './options.js';

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
 * the broker's store (`grantKey`, `revokeKey`, `listKeys`; `--store`, the broker's default), with the store's version check, while
 * the broker runs or not: they open it in the registry role, which takes no ownership. A
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
    .action((device: string, flags: { out?: string }) => reportingErrors(() => newKey(device, flags.out)));
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
    .option('--store <url>', 'the broker store', DEFAULT_STORE_URL)
    .action((device: string, flags: GrantFlags) => reportingErrors(() => grant(device, flags)));
  keys
    .command('revoke')
    .description('revoke a device key: it authenticates nothing more, and a running broker closes its connections')
    .argument('<device>', 'device id')
    .option('--store <url>', 'the broker store', DEFAULT_STORE_URL)
    .action((device: string, flags: StoreFlags) => reportingErrors(() => revoke(device, flags)));
  keys
    .command('ls')
    .description('list the keys of the registry as JSON lines (public keys, role, grants)')
    .option('--store <url>', 'the broker store', DEFAULT_STORE_URL)
    .action((flags: StoreFlags) => reportingErrors(() => list(flags)));
  program.addCommand(keys);
}

async function newKey(device: string, out: string | undefined): Promise<void> {
  const { newDeviceKey, toBase64Url, writeKeyFile } = await import('../device/index.js');
  const key = newDeviceKey(device);
  const file = out ?? `${DEFAULT_KEY_DIR}/${device}.key`;
  await writeKeyFile(file, key);
  print({ device, publicKey: toBase64Url(key.publicKey), file });
}

async function grant(device: string, flags: GrantFlags): Promise<void> {
  // Loaded here, not at the top: `stead call` never pays for the broker side.
  const [{ grantKey }, { readKeyFile }] = await Promise.all([import('../broker/index.js'), import('../device/index.js')]);
  const publicKey = flags.key ? readKeyFile(flags.key).publicKey : flags.publicKey;
  print(
    await grantKey(device, {
      store: flags.store,
      ...(publicKey === undefined ? {} : { publicKey }),
      proxies: flags.proxy,
      topics: flags.topic,
      ...(flags.admin ? { role: 'admin' as const } : {}),
      ...(flags.replace ? { replace: true } : {}),
    }),
  );
}

async function revoke(device: string, flags: StoreFlags): Promise<void> {
  const { revokeKey } = await import('../broker/index.js');
  print({ device, revoked: await revokeKey(device, { store: flags.store }) });
}

async function list(flags: StoreFlags): Promise<void> {
  const { listKeys } = await import('../broker/index.js');
  for (const entry of await listKeys({ store: flags.store })) print(entry);
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
