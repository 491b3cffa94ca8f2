import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Debian bookworm's own Node 18 (what `apt install nodejs` gives on Raspberry Pi OS), in a
 * minimal root made once by `.ci/node18-root.sh` (debootstrap) and reused by every test run.
 */
const SCRIPT = fileURLToPath(new URL('../../.ci/node18-root.sh', import.meta.url));
export const NODE18_ROOT = process.env.STEAD_NODE18_ROOT ?? '/var/cache/stead-node18-root';

export type Node18Root = { root: string; skip: null } | { root: null; skip: string };

let made: Promise<Node18Root> | null = null;

/** Makes or reuses the root; when it cannot be had here, says exactly why (the test skips with it). */
export function node18Root(): Promise<Node18Root> {
  made ??= (async () => {
    const child = spawn('bash', [SCRIPT, NODE18_ROOT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    if (code === 0) return { root: NODE18_ROOT, skip: null };
    return { root: null, skip: `no Node 18 root (${SCRIPT} exited ${code}): ${output.trim()}` };
  })();
  return made;
}

/** A folder inside the root: `host` is its path here, `inside` the same folder as the chrooted node sees it. */
export interface RootFolder {
  host: string;
  inside: string;
  remove(): Promise<void>;
}

export async function rootFolder(root: string): Promise<RootFolder> {
  const host = await mkdtemp(join(root, 'tmp', 'stead-'));
  return { host, inside: `/${relative(root, host)}`, remove: () => rm(host, { recursive: true, force: true }) };
}

/**
 * Bundles a module as the agent is bundled: one ESM file for Node 18, pure JavaScript (cbor-x
 * takes its JavaScript path: its optional native part is left out).
 */
export async function bundleForNode18(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    external: ['cbor-extract'],
    banner: { js: "import { createRequire as steadRequire } from 'node:module'; const require = steadRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

/**
 * `chroot <root> node <file> …args`, as a child process with piped stdin, stdout and stderr;
 * `path` goes before the root's PATH (a folder of fake tools, as seen inside the root).
 */
export function spawnInRoot(root: string, file: string, args: readonly string[] = [], path: string[] = []): ReturnType<typeof spawn> {
  // The root's own environment: this machine's (NODE_EXTRA_CA_CERTS and the like) names files the root has not.
  const env = { PATH: [...path, '/usr/sbin:/usr/bin:/sbin:/bin'].join(':'), HOME: '/root', LANG: 'C.UTF-8' };
  return spawn('chroot', [root, 'node', file, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
}
