import { describe, expect, it } from 'vitest';
import type { Device } from '../../device/index.js';
import type { Limits } from '../../shared/limits.js';
import { hostileApp } from '../helpers/apps/hostile-app.js';
import { brokerOnDemand } from '../helpers/broker.js';
import { asError, RawSession } from '../helpers/raw-session.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { until } from '../helpers/wait.js';

// Issue 6, hole 9: every limit comes from createBroker's options, and time from its clock.

describe('broker limits come from the options', () => {
  const env = brokerOnDemand();
  const start = (limits: Partial<Limits>, clock?: ManualClock): Promise<Device> => env.start({ apps: [hostileApp], limits, ...(clock ? { clock } : {}) });

  it('maxSessionsPerProxy', async () => {
    const d = await start({ maxSessionsPerProxy: 2 });
    const a = d.session('hostile/s', 'a');
    await a.begin();
    await d.session('hostile/s', 'b').begin();
    await expect(d.session('hostile/s', 'c').begin()).rejects.toMatchObject({ code: 'STEAD_E_SESSION_LIMIT' });
    await expect(a.call('tell', 'z', 'hi')).rejects.toMatchObject({ code: 'STEAD_E_SESSION_LIMIT' });
    expect(await a.call('tell', 'b', 'hi')).toBeUndefined();
  });

  it('maxRecordBytes: the state and a frame must fit in it', async () => {
    await expect(start({ maxRecordBytes: 512 * 1024, maxStateBytes: 512 * 1024 })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
    await expect(start({ maxRecordBytes: 512 * 1024, maxStateBytes: 256 * 1024 })).resolves.toBeDefined();
  });

  it('defaultQueueLength', async () => {
    const s = (await start({ defaultQueueLength: 2 })).session('hostile/q', 'main');
    for (const text of ['1', '2', '3']) await s.call('tell', 'phone', text);
    expect(await s.call('queue', 'phone')).toEqual(['2', '3']);
  });

  it('maxQueueLength', async () => {
    const s = (await start({ maxQueueLength: 5 })).session('hostile/q', 'main');
    await s.call('limit', 'phone', 5);
    await expect(s.call('limit', 'phone', 6)).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });

  it('maxValueDepth, for arguments and for produced values', async () => {
    const s = (await start({ maxValueDepth: 4 })).session('hostile/depth', 'main');
    await expect(s.call('returnDeep', 6)).rejects.toMatchObject({ code: 'STEAD_E_BAD_VALUE' });
    expect(await s.call('returnDeep', 2)).toEqual([['leaf']]);
    await expect(s.call('tell', 'phone', [[[[[['deep']]]]]] as never)).rejects.toMatchObject({ code: 'STEAD_E_MALFORMED_FRAME' });
  });

  it('maxFrameBytes', async () => {
    const s = (await start({ maxFrameBytes: 1000 })).session('hostile/frames', 'main');
    await expect(s.call('notifyLarge', 2000)).rejects.toMatchObject({ code: 'STEAD_E_VALUE_TOO_LARGE' });
    expect(await s.call('notifyLarge', 500)).toBe('sent');
  });

  it('maxStateBytes', async () => {
    const s = (await start({ maxStateBytes: 200 })).session('hostile/state', 'main');
    await s.call('grow', 50);
    await expect(s.call('grow', 200)).rejects.toMatchObject({ code: 'STEAD_E_STATE_TOO_LARGE' });
  });

  it('outOfOrderHoldMs runs on the clock', async () => {
    const clock = new ManualClock();
    await start({ outOfOrderHoldMs: 5000 }, clock);
    const till = await RawSession.open(env.broker.url, 'hostile/hold', 'till');
    try {
      const { nonce } = await till.begin();
      const answer = till.answer(nonce, 3);
      await till.send(nonce, 3, 'bump', [], 0);
      await until(() => clock.pending >= 2, 5000, 'the hold to start');
      clock.advance(4999);
      expect(till.answers()).toEqual(['reply:0']);
      clock.advance(1);
      expect(asError(await answer).code).toBe('STEAD_E_OUT_OF_ORDER');
    } finally {
      await till.close();
    }
  });

  it('pulses and durable timers run on the clock', async () => {
    const clock = new ManualClock();
    const s = (await start({}, clock)).session('hostile/clock', 'main');
    expect(await s.call('pulses')).toBe(0);
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      await until(async () => (await s.call('pulses')) === i + 1, 5000, `pulse ${i + 1}`);
    }
    // Real time passing moves nothing: only the clock does.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await s.call('pulses')).toBe(5);
    await s.call('later', 60_000);
    clock.advance(59_999);
    expect(await s.call('count')).toBe(0);
    clock.advance(1);
    await until(async () => (await s.call('count')) === 1, 5000, 'the timer to fire');
  });
});
