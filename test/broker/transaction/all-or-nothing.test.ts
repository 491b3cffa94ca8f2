import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { Device } from '../../../device/index.js';
import { hostileApp } from '../../helpers/apps/hostile-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { it, test } from '../../helpers/fixtures.js';
import { asError, asReply, RawSession } from '../../helpers/raw-session.js';

// Issue 6, hole 1: a transaction is all or nothing. Whatever fails after the method returned
// (an effect that cannot apply, a value that cannot be encoded) fails the call like a throw:
// no success is cached, nothing is written, and the proxy's later commits still land.

describe('a transaction commits all or nothing', () => {
  let dir: string;

  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });
  const env = brokerOnDemand();

  /** A broker on the SQLite file of this test; a second call is a restart on the same file. */
  const start = (): Promise<Device> => env.start({ apps: [hostileApp], store: `sqlite:${join(dir, 'stead.db')}` });

  it.each([
    ['a notification payload the codec cannot encode', 'notifyFunction', 'STEAD_E_BAD_VALUE'],
    ['a refuse queue overflowed through a RegExp matching a session made in the same method', 'overflowNewSession', 'STEAD_E_QUEUE_FULL'],
    ['a refusal the method caught', 'catchesOverflow', 'STEAD_E_QUEUE_FULL'],
  ])('%s fails the call, and the acknowledged calls around it survive a restart', async (_what, method, code) => {
    const session = (await start()).session('hostile/shop', 'main');
    expect(await session.call('bump')).toBe(1);
    await expect(session.call(method)).rejects.toMatchObject({ code });
    expect(await session.call('bump')).toBe(2);
    expect(await session.call('bump')).toBe(3);

    const after = (await start()).session('hostile/shop', 'main');
    expect(await after.call('count')).toBe(3);
  });

  it('the retry of a failed call gets the same error, not a success from memory', async () => {
    await start();
    const till = await RawSession.open(env.broker.url, 'hostile/shop', 'till');
    try {
      const { nonce } = await till.begin();
      for (let attempt = 0; attempt < 3; attempt++) {
        expect(asError(await till.call(nonce, 1, 'notifyFunction', [])).code).toBe('STEAD_E_BAD_VALUE');
      }
      expect(asReply(await till.call(nonce, 2, 'count', [])).value).toBe(0);
    } finally {
      await till.close();
    }
  });
});
