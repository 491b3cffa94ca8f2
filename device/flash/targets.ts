import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SteadError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/atomic-write.js';
import { AGENT_DIR, type FlashFile } from './flash-files.js';

export type FlashTarget = { kind: 'folder'; root: string } | { kind: 'ssh'; user: string | null; host: string; port: number | null; root: string };

/** `--target`: a folder (the gadget's root file system, mounted), or `ssh://user@host[:port]/path`. */
export function parseTarget(target: string): FlashTarget {
  if (!target.startsWith('ssh://')) return { kind: 'folder', root: target };
  let url: URL;
  try {
    url = new URL(target);
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', `--target ${target}: not ssh://user@host[:port]/path`, { cause });
  }
  if (!url.hostname) throw new SteadError('BAD_OPTIONS', `--target ${target}: no host`);
  return {
    kind: 'ssh',
    user: url.username ? decodeURIComponent(url.username) : null,
    host: url.hostname,
    port: url.port ? Number(url.port) : null,
    root: decodeURIComponent(url.pathname) || '/',
  };
}

export type FileOutcome = 'written' | 'unchanged';

/**
 * Writes a file into a root folder only if its bytes or mode differ (a second flash changes
 * nothing it need not), atomically (a flash cut short leaves the old file or the new one).
 */
export async function writeIntoFolder(root: string, file: FlashFile): Promise<FileOutcome> {
  const path = join(root, file.path);
  const [current, info] = await Promise.all([readFile(path).catch(() => null), stat(path).catch(() => null)]);
  if (current && info && Buffer.compare(current, file.data) === 0 && (info.mode & 0o777) === file.mode) return 'unchanged';
  await mkdir(dirname(path), { recursive: true, mode: file.mode === 0o600 ? 0o700 : 0o755 });
  await writeFileAtomic(path, file.data);
  await chmod(path, file.mode);
  return 'written';
}

/**
 * The commands that put a staged root (the same files, in a local folder) onto a host over ssh,
 * with the system's `ssh` and `scp`: copy the files into `~/.stead-flash` (the login user cannot
 * write /opt), then, as root with sudo, install each file whose bytes differ with its mode, drop
 * the copy, reload systemd and (re)start the agent. `--dry-run` prints them; each runs with
 * `execFile` (no local shell).
 */
export function sshCommands(target: Extract<FlashTarget, { kind: 'ssh' }>, staged: string, files: readonly FlashFile[]): string[][] {
  const at = target.user ? `${target.user}@${target.host}` : target.host;
  const sshPort = target.port ? ['-p', String(target.port)] : [];
  const scpPort = target.port ? ['-P', String(target.port)] : [];
  const quote = (path: string): string => `'${path.replace(/'/g, `'\\''`)}'`;
  const install = files.map((file) => {
    const from = quote(`.stead-flash/${file.path}`);
    const to = quote(join(target.root, file.path));
    return `{ cmp -s ${from} ${to} || install -D -m ${file.mode.toString(8)} ${from} ${to}; }`;
  });
  return [
    ['ssh', ...sshPort, at, 'rm -rf .stead-flash && mkdir -m 700 .stead-flash'],
    ['scp', ...scpPort, '-r', join(staged, 'opt'), join(staged, 'etc'), `${at}:.stead-flash/`],
    ['ssh', ...sshPort, at, `sudo sh -c ${quote(`${install.join(' && ')} && chmod 700 ${quote(join(target.root, AGENT_DIR, 'keys'))} && systemctl daemon-reload && systemctl enable stead-agent && systemctl restart stead-agent`)} ; rm -rf .stead-flash`],
  ];
}
