import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice } from '../../device/index.js';
import { startBroker } from '../helpers/broker.js';
import { hasPublish } from '../helpers/mqtt-packets.js';
import { runStead, spawnStead, type RunResult } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** `stead call` and `stead session` exit codes (cli/exit-codes.ts, docs/cli.md). */
const EXIT = { answered: 0, failed: 1, refused: 2, unknown: 3, lost: 4 };
const BUY = ['toaster/shop-1', 'cli', 'buy', '["bread"]'];

/**
 * The journal belongs to the session, not to how the broker was reached or where the command
 * ran (docs/cli.md, exactly once across runs): the real `stead` against a real broker, through a
 * TCP proxy that cuts the call's reply, and the asked-for rerun typed another way.
 */
describe('stead call finds its journal by the session', () => {
  let broker: SteadBroker;
  let tcp: TcpProxy;
  let dir: string;

  beforeEach(async () => {
    broker = await startBroker();
    tcp = await startTcpProxy(broker.port);
    dir = await mkdtemp(join(tmpdir(), 'stead-journal-id-'));
  });
  afterEach(async () => {
    await tcp.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Cuts the connection before the call's reply (the 2nd frame on …/out) reaches the CLI; heals after. */
  async function unknownOutcome(run: () => Promise<RunResult>): Promise<void> {
    let seen = 0;
    tcp.interceptDownstream((chunk) => {
      if (!hasPublish(chunk, (topic) => topic.endsWith('/out')) || ++seen < 2) return false;
      tcp.refuse(true);
      return true;
    });
    expect((await run()).code).toBe(EXIT.unknown);
    tcp.interceptDownstream(null);
    tcp.refuse(false);
  }

  async function counters(): Promise<unknown> {
    const device = await connectDevice({ url: broker.url });
    try {
      return await device.session('toaster/shop-1', 'check').call('counters');
    } finally {
      await device.close();
    }
  }

  const port = (): string => new URL(tcp.url).port;
  const call = (host: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> =>
    runStead(['call', '--broker', `mqtt://${host}:${port()}`, '--deadline', '1500', ...args], env, cwd);

  it('a rerun typed with localhost instead of 127.0.0.1 takes up the journalled call: it runs once', async () => {
    const env = { STEAD_STATE_DIR: dir };
    await unknownOutcome(() => call('127.0.0.1', BUY, env));
    const again = await call('localhost', BUY, env);
    expect(again).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    expect(again.stderr).toMatch(/^note: this is the answer of the call journalled by an earlier run/);
    expect(await counters()).toEqual({ bread: 1 });
    expect(await readdir(join(dir, 'journal'))).toEqual([]);
  });

  it('a rerun from another working folder, with the same HOME, takes it up too', async () => {
    const home = join(dir, 'home');
    const [here, there] = [join(dir, 'here'), join(dir, 'there')];
    await Promise.all([mkdir(home), mkdir(here), mkdir(there)]);
    await unknownOutcome(() => call('127.0.0.1', BUY, { HOME: home }, here));
    expect(await call('127.0.0.1', BUY, { HOME: home }, there)).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    expect(await counters()).toEqual({ bread: 1 });
  });

  it('a rerun with another journal folder is refused (CALL_UNRESOLVED, the memento printed) every time, until --new', async () => {
    await unknownOutcome(() => call('127.0.0.1', [...BUY, '--journal', join(dir, 'first')], {}));
    for (const journal of ['second', 'second']) {
      const refused = await call('127.0.0.1', [...BUY, '--journal', join(dir, journal)], {});
      expect(refused.code).toBe(EXIT.refused);
      expect(refused.stderr.split(':')[0]).toBe('STEAD_E_CALL_UNRESOLVED');
      expect(refused.stderr).toMatch(/^memento: null$/m);
    }
    // Another user's (or cron's) HOME is another journal folder too.
    const cron = await call('127.0.0.1', BUY, { HOME: join(dir, 'cron-home') });
    expect(cron.stderr.split(':')[0]).toBe('STEAD_E_CALL_UNRESOLVED');
    expect(await counters()).toEqual({ bread: 1 });

    expect(await call('127.0.0.1', [...BUY, '--journal', join(dir, 'second'), '--new'], {})).toMatchObject({ code: EXIT.answered, stdout: '2\n' });
    // The refusals began new instances: the earlier call's own journal can no longer learn its outcome.
    expect((await call('127.0.0.1', [...BUY, '--journal', join(dir, 'first')], {})).code).toBe(EXIT.lost);
  });

  it('a session whose previous instance ended cleanly is called without --new from any folder', async () => {
    expect(await call('127.0.0.1', [...BUY, '--journal', join(dir, 'a')], {})).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    expect(await call('127.0.0.1', [...BUY, '--journal', join(dir, 'b')], {})).toMatchObject({ code: EXIT.answered, stdout: '2\n' });
  });
});

const SECRET = 'S3CRET-for-the-rerun';
const ADDRESS = 'session:toaster/vault/kitchen+secret';

/**
 * `stead session get` of a once-only value killed after the proxy consumed it: its journalled
 * request must survive a rerun that a restarted broker refuses before looking for the kept
 * answer (UNKNOWN_APP: the broker came back without the app), so that the rerun after it, on a
 * broker with the app, still prints the value.
 */
describe('stead session get rerun refused by a broker restarted without the app', () => {
  let dir: string;
  let broker: SteadBroker;
  let tcp: TcpProxy;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-get-rerun-'));
    broker = await startBroker({ store: `sqlite:${join(dir, 'stead.db')}` });
    tcp = await startTcpProxy(broker.port);
  });
  afterEach(async () => {
    await tcp.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function restart(apps?: []): Promise<void> {
    await broker.close();
    broker = await startBroker({ store: `sqlite:${join(dir, 'stead.db')}`, ...(apps ? { apps } : {}) });
    tcp.retarget(broker.port);
  }

  it('keeps the journal entry; the rerun on a broker with the app prints the value, once', async () => {
    const env = { STEAD_STATE_DIR: join(dir, 'state') };
    const get = ['session', 'get', ADDRESS, '--broker', tcp.url, '--deadline', '3000'];
    expect((await runStead(['session', 'put', ADDRESS, JSON.stringify(SECRET), '--once', '--broker', broker.url])).code).toBe(0);
    const child = spawnStead(get, env);
    tcp.interceptDownstream((chunk) => {
      if (!chunk.includes(SECRET)) return false;
      child.kill('SIGKILL');
      return true;
    });
    await once(child, 'exit');
    tcp.interceptDownstream(null);

    await restart([]);
    const refused = await runStead(get, env);
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.stderr.split(':')[0]).toBe('STEAD_E_UNKNOWN_APP');
    expect(refused.stderr).toMatch(/^journal: /m);
    expect(await readdir(join(dir, 'state', 'journal'))).toHaveLength(1);

    await restart();
    expect(await runStead(get, env)).toMatchObject({ code: 0, stdout: `${JSON.stringify(SECRET)}\n` });
    expect(await readdir(join(dir, 'state', 'journal'))).toEqual([]);
    expect((await runStead(get, env)).code).toBe(4);
  });
});
