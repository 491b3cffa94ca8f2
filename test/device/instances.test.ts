import { describe, expect, it } from 'vitest';
import { withBrokerAndDevice } from '../helpers/broker.js';

// DESIGN §4 rules 1 and 8: `begin` starts an instance, `end` closes it; a call belongs to exactly
// one instance and is answered in it, never left without an answer.
describe('session instances on the device', () => {
  const env = withBrokerAndDevice({}, { session: { deadlineMs: 3_000, retryMs: 200 } });

  // Regression: a call made while end was in flight went out under the ending instance's nonce.
  // The proxy answered it STALE_INSTANCE, but the device had already cleared its nonce, so the
  // error matched no call, and the call hung to its deadline: DEADLINE, "outcome unknown",
  // although it certainly had not run.
  it('runs a call made while end is in flight in the next instance', async () => {
    const shop = env.device.session('toaster/shop', 'kitchen');
    await shop.begin();
    expect(await shop.call('buy', 'bread', 0)).toBe(1);
    const ended = shop.end();
    await new Promise((resolve) => setImmediate(resolve)); // end is on the wire, its reply is not back
    const started = Date.now();
    const counters = await shop.call('counters');
    await ended;
    expect(counters).toEqual({ bread: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    // It ran in a new instance, which the device now holds: the next call goes there too.
    expect(await shop.call('buy', 'bread')).toBe(2);
  });
});
