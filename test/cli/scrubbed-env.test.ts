import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, testHome } from '../helpers/cli-env.js';
import { runStead, spawnBroker } from '../helpers/processes.js';

/** What a user's shell may hold while they run the suite (docs/cli.md suggests setting STEAD_KEY). */
const JUNK = { STEAD_KEY: '/nowhere/junk.key', STEAD_STATE_DIR: join(tmpdir(), 'stead-junk-state-never-made'), STEAD_ADMIN_TOKEN: 'junk-token' };

/**
 * Every CLI child of the suite runs in an environment of its own (test/helpers/cli-env.ts): the
 * suite's own helpers, run with junk in the parent's STEAD_KEY, STEAD_STATE_DIR and
 * STEAD_ADMIN_TOKEN, sign with the test key, journal under the test HOME and configure no admin
 * token.
 */
describe('the CLI helpers with junk STEAD_* variables in the parent', () => {
  const saved: Record<string, string | undefined> = {};
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-scrubbed-'));
    for (const [name, value] of Object.entries(JUNK)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('cliEnv passes on none of them, and HOME is the test process’s own', () => {
    const env = cliEnv({ STEAD_KEY: 'given' });
    expect(Object.keys(env).filter((name) => name.startsWith('STEAD_'))).toEqual(['STEAD_KEY']);
    expect(env).toMatchObject({ STEAD_KEY: 'given', HOME: testHome(), PATH: process.env.PATH });
  });

  it('spawnBroker and runStead: the call signs with the test key and journals under the test HOME; the broker has no admin token', async () => {
    const broker = await spawnBroker(['--store', 'memory:', '--app', 'examples/toaster/app.ts', '--http', '127.0.0.1:0']);
    try {
      const call = await runStead(['call', '--broker', broker.url, 'toaster/scrubbed-1', 'cli', 'buy', '["bread"]']);
      expect(call).toMatchObject({ code: 0, stdout: '1\n' });
      // The default journal was used (and emptied) under the test HOME, never the junk folder.
      expect(await readdir(join(testHome(), '.stead', 'journal'))).toEqual([]);
      expect(existsSync(JUNK.STEAD_STATE_DIR)).toBe(false);
      const http = String(broker.logs.find((l) => typeof l.http === 'string')?.http);
      const status = await runStead(['status', '--broker', http, '--token', JUNK.STEAD_ADMIN_TOKEN]);
      expect(status.stderr.split(':')[0]).toBe('STEAD_E_REFUSED');
    } finally {
      expect(await broker.stop()).toBe(0);
    }
  });
});
