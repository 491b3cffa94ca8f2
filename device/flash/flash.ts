import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_KEY_DIR } from '../../shared/defaults.js';
import { SteadError } from '../../shared/errors.js';
import { newDeviceKey, type DeviceKey } from '../../shared/identity/key-pair.js';
import { toBase64Url } from '../../shared/identity/base64url.js';
import { assertName, parseProxyAddress } from '../../shared/names.js';
import { readKeyFile, writeKeyFile } from '../identity/key-file.js';
import { checkAgentConfig, type GpioBackendConfig } from '../agent/agent-config.js';
import { buildAgent, gadgetApp } from './build-agent.js';
import { flashedAgentConfig, flashFiles } from './flash-files.js';
import { parseTarget, sshCommands, writeIntoFolder, type FileOutcome } from './targets.js';

export interface FlashOptions {
  device: string;
  /** The broker URL the gadget will use. */
  broker: string;
  /** A root folder, or `ssh://user@host[:port]/path`. */
  target: string;
  /** The gadget app module (`defineGadget`), built into the agent. */
  gadget: string;
  /** The proxy `<app>/<id>` (default `<gadget app>/<device>`). */
  proxy?: string;
  audience?: string;
  /** The device's key file on this machine: reused if present, made (0600) if not. Default `./data/keys/<device>.key`. */
  keyFile?: string;
  gpio?: GpioBackendConfig;
  watchdogSec?: number;
  /**
   * Registers the public key with the broker (`stead flash` does it through the store when it
   * can reach it); returns false when it cannot, and the command to run there is printed.
   */
  register?: (device: string, publicKey: string, proxy: string) => Promise<boolean>;
  /** Prints what would be done (the ssh/scp argv too) and writes nothing to the target. */
  dryRun?: boolean;
  onProgress?: (step: FlashStep) => void;
}

/** One line of progress: which step, and what it did. */
export interface FlashStep {
  step: 'key' | 'build' | 'register' | 'file' | 'ssh' | 'done';
  message: string;
  detail?: Record<string, unknown>;
}

export interface FlashResult {
  publicKey: string;
  registered: boolean;
  /** The command to run on the broker's host when the key could not be registered from here. */
  grantCommand: string;
  files: { path: string; outcome: FileOutcome | 'planned' }[];
  /** For an ssh target: the commands (run, or printed with dryRun). */
  commands: string[][];
}

/**
 * `stead flash` (DESIGN §9, docs/agent.md): keys, build, register, files into the target.
 * Safe to repeat: the key is reused, and a file whose bytes and mode are already right is left.
 */
export async function flash(options: FlashOptions): Promise<FlashResult> {
  assertName('id', options.device);
  const progress = options.onProgress ?? (() => {});
  const target = parseTarget(options.target);
  const gpio = options.gpio ?? { backend: 'linux', root: '/' };
  // The config the gadget will read, checked with the agent's own schema before anything is built or written.
  checkAgentConfig({ ...flashedAgentConfig({ ...options, gpio }), gadget: options.gadget });

  // Every check that can fail (the gadget builds, its app names a proxy) comes before the first
  // write: a failed flash leaves no key behind.
  const agent = await buildAgent(options.gadget);
  const proxy = options.proxy ?? `${await gadgetApp(options.gadget)}/${options.device}`;
  parseProxyAddress(proxy);
  progress({ step: 'build', message: `agent built for Node 18: ${(agent.length / 1024).toFixed(0)} KiB, one file, pure JavaScript`, detail: { bytes: agent.length } });

  const key = await deviceKey(options, progress);
  const publicKey = toBase64Url(key.publicKey);

  const grantCommand = `stead keys grant ${options.device} --public-key ${publicKey} --proxy ${proxy}`;
  const registered = options.dryRun || !options.register ? false : await options.register(options.device, publicKey, proxy);
  progress({
    step: 'register',
    message: registered ? `public key registered with the broker for ${proxy}` : `not registered from here; on the broker's host run: ${grantCommand}`,
    detail: { registered, grantCommand },
  });

  const files = flashFiles({
    device: options.device,
    broker: options.broker,
    proxy: options.proxy,
    audience: options.audience,
    gpio,
    key,
    agent,
    watchdogSec: options.watchdogSec ?? 30,
  });
  const result: FlashResult = { publicKey, registered, grantCommand, files: [], commands: [] };
  if (target.kind === 'folder') {
    for (const file of files) {
      const outcome = options.dryRun ? 'planned' : await writeIntoFolder(target.root, file);
      result.files.push({ path: file.path, outcome });
      progress({ step: 'file', message: `${outcome.padEnd(9)} ${join(target.root, file.path)} (${file.mode.toString(8)})`, detail: { path: file.path, outcome } });
    }
  } else {
    // The same files, staged in a local root, then copied with the system's ssh and scp.
    const staged = await mkdtemp(join(tmpdir(), 'stead-flash-'));
    try {
      for (const file of files) await writeIntoFolder(staged, file);
      result.commands = sshCommands(target, staged, files);
      for (const argv of result.commands) {
        progress({ step: 'ssh', message: argv.join(' '), detail: { argv } });
        if (!options.dryRun) await promisify(execFile)(argv[0]!, argv.slice(1));
      }
      result.files = files.map((file) => ({ path: file.path, outcome: options.dryRun ? 'planned' : 'written' }));
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
  }
  progress({ step: 'done', message: options.dryRun ? 'dry run: nothing written' : `flashed ${options.device}` });
  return result;
}

async function deviceKey(options: FlashOptions, progress: (step: FlashStep) => void): Promise<DeviceKey> {
  const file = options.keyFile ?? `${DEFAULT_KEY_DIR}/${options.device}.key`;
  if (existsSync(file)) {
    const key = readKeyFile(file);
    if (key.device !== options.device) throw new SteadError('BAD_KEY', `${file} is device ${key.device}'s key, not ${options.device}'s`);
    progress({ step: 'key', message: `reused ${file}`, detail: { file, made: false } });
    return key;
  }
  const key = newDeviceKey(options.device);
  if (!options.dryRun) await writeKeyFile(file, key);
  progress({ step: 'key', message: `${options.dryRun ? 'would make' : 'made'} ${file} (mode 600)`, detail: { file, made: true } });
  return key;
}
