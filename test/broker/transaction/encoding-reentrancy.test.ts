import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { Device } from '../../../device/index.js';
import { attackApp } from '../../helpers/apps/attack-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { it, test } from '../../helpers/fixtures.js';

// Attack: app code that runs while Stead encodes (a getter on the state or on a payload) and
// calls the context again. A nested encode has a writer of its own (shared/wire/writer.ts), and
// the context is closed while the state is encoded: the committed state must read back (also
// after a restart), and the device must get each notification once, as CBOR, with its own seq.

const DEADLINE_MS = 3000;

describe('app code run while Stead encodes cannot corrupt what is committed or sent', () => {
  let dir: string;
  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });
  const env = brokerOnDemand();

  /** A broker on this test's SQLite file; a second call is a restart on the same file. */
  const start = (): Promise<Device> =>
    env.start({ apps: [attackApp], store: `sqlite:${join(dir, 'stead.db')}` }, { session: { deadlineMs: DEADLINE_MS } });

  it('a state getter that notifies while the state is encoded: the committed state reads back, also after a restart', async () => {
    const till = (await start()).session('attack/shop', 'till');
    expect(await till.call('bump')).toBe(1);
    // Either outcome keeps the promise: the call commits (count 2) or fails (count stays 1).
    const outcome = await till.call('stateGetterNotify', 'phone').then(() => 2, () => 1);
    expect(await till.call('count')).toBe(outcome);
    const after = (await start()).session('attack/shop', 'till');
    expect(await after.call('count')).toBe(outcome);
  });

  it('a payload getter that notifies while the payload is encoded: the device gets what the queue holds, each seq once', async () => {
    const d = await start();
    const phone = d.session('attack/shop', 'phone');
    const errors: unknown[] = [];
    const received: unknown[] = [];
    phone.onError((error) => errors.push(error));
    phone.onNotify((payload) => void received.push(payload));
    await phone.begin();
    const till = d.session('attack/shop', 'till');
    await till.call('reentrantNotify', 'phone').catch(() => undefined);
    // A read-only call on the phone's own session: its reply leaves after the notifications.
    const queued = await till.call('queued', 'phone');
    await phone.call('count');
    expect(errors).toEqual([]);
    expect(received).toEqual(queued);
  });
});
