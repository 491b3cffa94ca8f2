import { describe, expect, it } from 'vitest';
import type { Device } from '../../../device/index.js';
import { attackApp } from '../../helpers/apps/attack-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';

// Attack on issue 6, hole 2: a value the method produces is checked when it is produced — but
// the record keeps the app's object, not what was checked. App code that changes the object
// after `remember`, `notify` or `at` (in the same method, or later through a reference it
// kept), or a getter that answers differently the second time it is read, puts a value the
// device cannot decode into the committed record or the reply: the check passed, the bytes
// are not the ones checked.

const DEADLINE_MS = 3000;

/** The promise's value, or a rejection once `ms` passed without one. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The phone session comes online: its first notification, and any errors it saw meanwhile. */
async function offlinePhoneReceives(d: Device): Promise<{ payload: unknown; errors: unknown[] }> {
  const phone = d.session('attack/shop', 'phone');
  const errors: unknown[] = [];
  phone.onError((error) => errors.push(error));
  const received = new Promise<unknown>((resolve) => phone.onNotify((payload) => resolve(payload)));
  await phone.begin();
  return { payload: await within(received, DEADLINE_MS), errors };
}

describe('what is committed and sent is the value that was checked', () => {
  const env = brokerOnDemand();
  const start = (): Promise<Device> => env.start({ apps: [attackApp] }, { session: { deadlineMs: DEADLINE_MS } });

  it('a memento changed after remember does not stop the next begin of its session', async () => {
    const till = (await start()).session('attack/shop', 'till');
    expect(await till.call('rememberThenDate')).toBe('remembered');
    // A crashed client begins again: the answer carries the memento as it was remembered.
    const { memento, crashed } = await till.begin();
    expect(crashed).toBe(true);
    expect(memento).toEqual({ step: 1 });
    expect(await till.call('count')).toBe(1);
  });

  it('a payload changed after notify reaches a session that was offline as it was notified', async () => {
    const d = await start();
    expect(await d.session('attack/shop', 'till').call('notifyThenDate', 'phone')).toBe('sent');
    // The phone connects later: the queued notification is sent from the record.
    expect(await offlinePhoneReceives(d)).toEqual({ payload: { n: 1 }, errors: [] });
  });

  it('a queued payload edited through outq by a read-only method reaches a session that was offline as it was notified', async () => {
    const d = await start();
    const till = d.session('attack/shop', 'till');
    await till.call('notifyObject', 'phone');
    await till.call('editQueued', 'phone');
    expect(await offlinePhoneReceives(d)).toEqual({ payload: { n: 1 }, errors: [] });
  });

  it('timer arguments changed after at: the call is answered, and the timer is kept', async () => {
    const till = (await start()).session('attack/shop', 'till');
    expect(await till.call('timerThenMutate')).toBe('set');
    expect(await till.call('count')).toBe(1);
  });

  it('a return value whose getter would turn into a Date when read again: the reply is the value as checked', async () => {
    const till = (await start()).session('attack/shop', 'till');
    // Each property is read once, into the copy that is checked, encoded and cached.
    expect(await till.call('returnShifty')).toEqual({ value: 1 });
    expect(await till.call('count')).toBe(1);
  });
});
