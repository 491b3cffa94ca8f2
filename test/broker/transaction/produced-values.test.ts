import { describe, expect, it } from 'vitest';
import { connectDevice } from '../../../device/index.js';
import { MAX_ERROR_MESSAGE_CHARS } from '../../../shared/wire/frames.js';
import { hostileApp } from '../../helpers/apps/hostile-app.js';
import { withBrokerAndDevice } from '../../helpers/broker.js';

// Issue 6, hole 2: every value a method produces (its return value, notification payloads,
// mementos, timer arguments, error messages) is checked when the method produces it. A value
// the device could not decode is refused as if the method had thrown: its effects are rolled
// back and the typed error is the (cached) reply.

describe('values a method produces reach the device or fail the call', () => {
  const env = withBrokerAndDevice({ apps: [hostileApp] });

  it.each([
    ['a Date returned', 'returnDate', [], 'STEAD_E_BAD_VALUE'],
    ['a value nested deeper than the limit', 'returnDeep', [100], 'STEAD_E_BAD_VALUE'],
    ['a Date remembered', 'rememberDate', [], 'STEAD_E_BAD_VALUE'],
    ['a memento larger than a frame', 'rememberLarge', [70_000], 'STEAD_E_VALUE_TOO_LARGE'],
    ['a notification larger than a frame', 'notifyLarge', [70_000], 'STEAD_E_VALUE_TOO_LARGE'],
    ['a function as a timer argument', 'timerWithFunction', [], 'STEAD_E_BAD_VALUE'],
  ])('%s is refused with its code and rolled back', async (_what, method, args, code) => {
    const session = env.device.session(`hostile/${method.toLowerCase()}`, 'main');
    await session.begin();
    expect(await session.call('bump')).toBe(1);
    await expect(session.invoke(method, args, { deadlineMs: 5000 })).rejects.toMatchObject({ code });
    expect(await session.call('count')).toBe(1);
  });

  it('a refused memento leaves the previous one for the next begin', async () => {
    const session = env.device.session('hostile/memento', 'main');
    await session.begin();
    await session.call('step', 7);
    await expect(session.call('rememberDate')).rejects.toMatchObject({ code: 'STEAD_E_BAD_VALUE' });
    const other = await connectDevice({ url: env.broker.url });
    try {
      expect(await other.session('hostile/memento', 'main').begin()).toEqual({ memento: 7, crashed: true });
    } finally {
      await other.close();
    }
  });

  it('a long error message is cut to the wire limit, not lost', async () => {
    const session = env.device.session('hostile/long-error', 'main');
    const error = await session.call('throwLong', 5000).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('STEAD_E_APP_ERROR');
    expect(error?.message.length).toBe(MAX_ERROR_MESSAGE_CHARS);
    expect(error?.message.startsWith('eeee')).toBe(true);
  });

  it('an app error keeps its code in the error data', async () => {
    const session = env.device.session('hostile/app-code', 'main');
    await expect(session.call('throwWithData')).rejects.toMatchObject({
      code: 'STEAD_E_APP_ERROR',
      data: { name: 'Error', code: 'APP_SPECIFIC' },
    });
  });

  it('a notification of exactly the largest size that fits still goes out', async () => {
    const session = env.device.session('hostile/fits', 'phone');
    const received: unknown[] = [];
    session.onNotify((payload) => void received.push(payload));
    const main = env.device.session('hostile/fits', 'main');
    expect(await main.call('notifyLarge', 60_000)).toBe('sent');
    await expect.poll(() => received.length).toBe(1);
    expect((received[0] as string).length).toBe(60_000);
  });
});
