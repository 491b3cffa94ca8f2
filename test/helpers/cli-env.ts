import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a child needs of the parent's environment to run at all. */
const KEPT = ['PATH', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'] as const;

let home: string | null = null;

/**
 * The HOME of every CLI child of this test process: a folder of its own, removed when the
 * process exits, so `~/.stead/journal` is never the journal of the user running the suite.
 */
export function testHome(): string {
  if (home === null) {
    const made = mkdtempSync(join(tmpdir(), 'stead-home-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    home = made;
  }
  return home;
}

/**
 * The environment of every child that runs the CLI or reads what it reads (STEAD_*, HOME, the
 * journal folder): made from nothing but PATH, the locale and the temp folder, with HOME set to
 * testHome(), plus what the test passes in `extra`. Nothing of the shell that runs the suite
 * leaks in: a STEAD_KEY there would sign with a key the test broker does not know, a
 * STEAD_STATE_DIR or HOME would share a journal with the user's own calls, a STEAD_ADMIN_TOKEN
 * would change what a broker accepts.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME: testHome() };
  for (const name of KEPT) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}
