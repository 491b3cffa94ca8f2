import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { LIMITS } from '../../../shared/limits.js';
import { lifecycleApp } from '../../helpers/apps/lifecycle-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { it } from '../../helpers/fixtures.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { asError, beginBytes, RawSession, token } from '../../helpers/raw-session.js';
import { PROTOCOL_VERSION } from '../../../shared/wire/frames.js';

// DESIGN §4: per session, visit metadata (first, previous and latest visit; what the client
// declared at begin), readable from app code (docs/sessions.md, visits).
describe('visits', () => {
  const env = brokerOnDemand();

  it('record the first, previous and latest begin and the info of the latest, readable by app code', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const device = await env.start({ apps: [lifecycleApp], clock });
    const phone = device.session('life/home', 'phone');
    await phone.begin({ agent: 'phone-app', version: 1 });
    expect(await phone.call('visits')).toEqual({ first: t0, previous: null, latest: t0, info: { agent: 'phone-app', version: 1 }, lastSeen: t0 });

    clock.advance(1000);
    await phone.begin({ agent: 'phone-app', version: 2 });
    clock.advance(500);
    await phone.begin(null);
    expect(await phone.call('visits')).toEqual({ first: t0, previous: t0 + 1000, latest: t0 + 1500, info: null, lastSeen: t0 + 1500 });

    // Another session's visits, and a session made by a notify (never begun).
    const kitchen = device.session('life/home', 'kitchen');
    await kitchen.call('tell', 'hi', 'watch');
    expect(await kitchen.call('visits', 'phone')).toMatchObject({ latest: t0 + 1500 });
    expect(await kitchen.call('visits', 'watch')).toEqual({ first: null, previous: null, latest: null, info: null, lastSeen: t0 + 1500 });
    expect(await kitchen.call('visits', 'nobody')).toBeNull();
  });

  it('survive a restart of the broker on its store', async ({ tempDir }) => {
    const clock = new ManualClock();
    const store = `sqlite:${join(tempDir, 'stead.db')}`;
    let device = await env.start({ apps: [lifecycleApp], clock, store });
    await device.session('life/home', 'phone').begin({ agent: 'a' });
    device = await env.start({ apps: [lifecycleApp], clock, store });
    expect(await device.session('life/home', 'other').call('visits', 'phone')).toMatchObject({ first: clock.now(), info: { agent: 'a' } });
  });

  it('bound what a begin declares: a larger info is refused with INFO_TOO_LARGE and changes nothing', async () => {
    const device = await env.start({ apps: [lifecycleApp], limits: { maxBeginInfoBytes: 100 } });
    const phone = device.session('life/bound', 'phone');
    await phone.begin({ agent: 'small' });
    expect(await phone.call('bump')).toBe(1);
    // The same session from another client: a begin that would fence the phone, were it taken.
    const raw = await RawSession.open(env.broker.url, 'life/bound', 'phone');
    try {
      const ref = token();
      const answer = raw.answer(ref, 0);
      await raw.publish(beginBytes(ref, PROTOCOL_VERSION, 'x'.repeat(200)));
      expect(asError(await answer).code).toBe('STEAD_E_INFO_TOO_LARGE');
    } finally {
      await raw.close();
    }
    await expect(device.session('life/bound', 'tablet').begin('x'.repeat(200))).rejects.toMatchObject({ code: 'STEAD_E_INFO_TOO_LARGE' });
    // Not fenced, not made.
    expect(await phone.call('bump')).toBe(2);
    expect(await phone.call('sessions')).toEqual(['phone']);
    expect(await phone.call('visits')).toMatchObject({ info: { agent: 'small' } });
    expect(LIMITS.maxBeginInfoBytes).toBe(1024);
  });
});
