import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

interface LockEntry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

interface RepoManifest {
  version: string;
  dependencies: Record<string, string>;
  overrides?: Record<string, string>;
}

interface Lockfile {
  packages: Record<string, LockEntry>;
}

/**
 * `npm pack` as a publisher runs it: in a copy of the repo's files (so its `prepare` builds a
 * dist/ of its own and leaves the one other tests run untouched). Returns the tarball's path.
 */
export async function packRepo(dir: string): Promise<string> {
  const source = join(dir, 'source');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO, file))) continue;
    await mkdir(join(source, file, '..'), { recursive: true });
    await cp(join(REPO, file), join(source, file));
  }
  await symlink(join(REPO, 'node_modules'), join(source, 'node_modules'), 'dir');
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir, ...NPM_QUIET], { cwd: source, maxBuffer: 16 << 20 });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  return join(dir, filename);
}

/**
 * A fresh project that installs the tarball like any dependency. Offline first: the project gets a
 * lockfile with Stead's dependencies at the versions of the repo's own lockfile, so `npm ci`
 * takes them from npm's cache (filled by the repo's `npm ci`); if the cache misses one, the
 * registry is asked. Install scripts are skipped and native addons reuse the repo's build
 * (compiling SQLite again takes minutes on a small machine); everything else is the tarball's.
 */
export async function createUserProject(dir: string, tarball: string): Promise<string> {
  const project = join(dir, 'project');
  await mkdir(project, { recursive: true });
  const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as RepoManifest;
  const spec = `file:${tarball}`;
  // The repo's overrides too: they shape its lockfile, which this project's lockfile copies.
  const projectManifest = { name: 'user-project', private: true, dependencies: { stead: spec }, overrides: manifest.overrides };
  await writeFile(join(project, 'package.json'), JSON.stringify(projectManifest, null, 2));
  const repoLock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as Lockfile;
  const packages: Record<string, LockEntry> = {
    '': { name: 'user-project', dependencies: { stead: spec } },
    'node_modules/stead': { version: manifest.version, resolved: spec, dependencies: manifest.dependencies, bin: { stead: 'dist/cli/bin.js' } },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
  await writeFile(join(project, 'package-lock.json'), JSON.stringify({ name: 'user-project', lockfileVersion: 3, requires: true, packages }, null, 2));
  try {
    await run('npm', ['ci', '--offline', '--ignore-scripts', ...NPM_QUIET], { cwd: project });
  } catch {
    await run('npm', ['ci', '--prefer-offline', '--ignore-scripts', ...NPM_QUIET], { cwd: project });
  }
  await reuseNativeBuilds(project);
  return project;
}

/** Copies `build/` of every addon the project installed without one from the repo's same version. */
async function reuseNativeBuilds(project: string): Promise<void> {
  for (const name of await installedPackages(join(project, 'node_modules'))) {
    const mine = join(project, 'node_modules', name);
    const repos = join(REPO, 'node_modules', name);
    if (!existsSync(join(mine, 'binding.gyp')) || existsSync(join(mine, 'build')) || !existsSync(join(repos, 'build'))) continue;
    if ((await versionOf(mine)) !== (await versionOf(repos))) continue;
    await cp(join(repos, 'build'), join(mine, 'build'), { recursive: true });
  }
}

async function installedPackages(modules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(modules)) {
    if (entry.startsWith('.')) continue;
    if (!entry.startsWith('@')) names.push(entry);
    else for (const scoped of await readdir(join(modules, entry))) names.push(`${entry}/${scoped}`);
  }
  return names;
}

async function versionOf(folder: string): Promise<string> {
  return (JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
}
