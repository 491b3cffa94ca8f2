import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStead, spawnBroker, type BrokerProcess, type RunResult } from '../helpers/processes.js';

/** `stead session` exit codes (cli/exit-codes.ts, docs/cli.md). */
const EXIT = { ok: 0, failed: 1, refused: 2, unknown: 3, absent: 4, unsent: 5 };

describe('stead session against a running broker (DESIGN §6)', () => {
  let broker: BrokerProcess;
  let dir: string;
  const session = (...args: string[]): Promise<RunResult> => runStead(['session', ...args, '--broker', broker.url]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-session-cli-'));
    broker = await spawnBroker(['--store', `sqlite:${join(dir, 'stead.db')}`, '--app', 'examples/toaster/app.ts']);
  });

  afterAll(async () => {
    expect(await broker.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('put, get, exists, ls and delete a resource; JSON in and out', async () => {
    expect(await session('put', 'session:toaster/cli-1/kitchen+cart', '{"items":["bread"],"n":2}')).toMatchObject({ code: EXIT.ok, stdout: '' });
    const got = await session('get', 'session:toaster/cli-1/kitchen+cart');
    expect(got.code).toBe(EXIT.ok);
    expect(JSON.parse(got.stdout)).toEqual({ items: ['bread'], n: 2 });
    expect(await session('exists', 'session:toaster/cli-1/kitchen+cart')).toMatchObject({ code: EXIT.ok, stdout: 'true\n' });
    await session('put', 'session:toaster/cli-1/kitchen+bytes', '{"$base64":"3q0="}');
    expect(JSON.parse((await session('get', 'session:toaster/cli-1/kitchen+bytes')).stdout)).toEqual({ $base64: '3q0=' });
    const keys = await session('ls', 'session:toaster/cli-1/kitchen');
    expect(JSON.parse(keys.stdout)).toEqual(['bytes', 'cart']);
    expect(await session('delete', 'session:toaster/cli-1/kitchen+cart')).toMatchObject({ code: EXIT.ok, stdout: 'true\n' });
    expect(await session('delete', 'session:toaster/cli-1/kitchen+cart')).toMatchObject({ code: EXIT.absent, stdout: 'false\n' });
    expect(await session('get', 'session:toaster/cli-1/kitchen+cart')).toMatchObject({ code: EXIT.absent, stdout: '' });
    expect(await session('exists', 'session:toaster/cli-1/kitchen+cart')).toMatchObject({ code: EXIT.absent, stdout: 'false\n' });
  });

  it('new prints the address of a new session; ls of the proxy lists it with its visits', async () => {
    const made = await session('new', 'session:toaster/cli-2');
    expect(made.code).toBe(EXIT.ok);
    const address = made.stdout.trim();
    expect(address).toMatch(/^session:toaster\/cli-2\/[0-9a-f]{32}$/);
    expect((await session('put', `${address}+name`, '"alice"')).code).toBe(EXIT.ok);
    const listed = await session('ls', 'session:toaster/cli-2');
    expect(listed.code).toBe(EXIT.ok);
    const sessions = JSON.parse(listed.stdout) as { session: string; first: number; resources: number }[];
    expect(sessions).toEqual([expect.objectContaining({ session: address.split('/')[2], resources: 1, first: expect.any(Number) })]);
  });

  it('put --once: the first get consumes it', async () => {
    expect((await session('put', 'session:toaster/cli-3/phone+otp', '"123456"', '--once')).code).toBe(EXIT.ok);
    expect(await session('exists', 'session:toaster/cli-3/phone+otp')).toMatchObject({ code: EXIT.ok });
    expect(await session('get', 'session:toaster/cli-3/phone+otp')).toMatchObject({ code: EXIT.ok, stdout: '"123456"\n' });
    expect((await session('get', 'session:toaster/cli-3/phone+otp')).code).toBe(EXIT.absent);
  });

  it('put --ttl is accepted (expiry itself is tested on a fake clock)', async () => {
    expect((await session('put', 'session:toaster/cli-4/phone+t', '1', '--ttl', '60000')).code).toBe(EXIT.ok);
    expect((await session('get', 'session:toaster/cli-4/phone+t')).stdout).toBe('1\n');
  });

  it.each([
    ['a malformed address', ['get', 'toaster/cli-1/kitchen+cart'], 'STEAD_E_BAD_ADDRESS'],
    ['an address of the wrong shape for the verb', ['get', 'session:toaster/cli-1'], 'STEAD_E_BAD_ADDRESS'],
    ['a bad key', ['get', 'session:toaster/cli-1/kitchen+Cart'], 'STEAD_E_INVALID_KEY'],
    ['a value that is not JSON', ['put', 'session:toaster/cli-1/kitchen+cart', '{oops'], 'STEAD_E_BAD_OPTIONS'],
  ])('%s is refused (exit 2) before anything is sent', async (_what, args, code) => {
    const result = await session(...args);
    expect(result.code).toBe(EXIT.refused);
    expect(result.stderr).toContain(code);
  });

  it('an app the broker does not load fails with its code (exit 1)', async () => {
    const result = await session('get', 'session:nosuchapp/x/kitchen+cart');
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toContain('STEAD_E_UNKNOWN_APP');
  });

  it('an unreachable broker: exit 5, nothing sent', async () => {
    const result = await runStead(['session', 'get', 'session:toaster/cli-1/kitchen+cart', '--broker', 'mqtt://127.0.0.1:1', '--deadline', '500']);
    expect(result.code).toBe(EXIT.unsent);
    expect(result.stderr).toContain('STEAD_E_UNREACHABLE');
  });
});
