import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['broker', 'device', 'shared', 'cli', 'hardware', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** The last file `npm run build` writes. */
const BUILT = join(ROOT, 'dist/cli/stead.bundle.js');

/**
 * vitest globalSetup: tests run the compiled `stead` (dist/), as users do. `npm test` builds first;
 * this rebuilds when a source is newer than the build, so a single `npx vitest run` is right too.
 */
export default function setup(): void {
  if (newest(SOURCES.map((path) => join(ROOT, path))) <= mtime(BUILT)) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

function newest(paths: string[]): number {
  let latest = 0;
  for (const path of paths) {
    const stats = statOrNull(path);
    if (!stats) continue;
    const time = stats.isDirectory() ? newest(readdirSync(path).map((name) => join(path, name))) : stats.mtimeMs;
    if (time > latest) latest = time;
  }
  return latest;
}

function mtime(path: string): number {
  return statOrNull(path)?.mtimeMs ?? -1;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
