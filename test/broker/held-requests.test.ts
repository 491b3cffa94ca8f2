import { afterEach, describe, expect } from 'vitest';
import { encodeCall } from '../../shared/wire/codec.js';
import { it, test } from '../helpers/fixtures.js';
import { asError, asReply, RawSession } from '../helpers/raw-session.js';

// DESIGN §4 rule 4: a request after a gap (seq > lastSeq + 1) is held until the gap fills, or
// answered OUT_OF_ORDER once it has waited the hold limit; never held for ever.
describe('held requests', () => {
  test.override('brokerOptions', { limits: { outOfOrderHoldMs: 400 } });
  let till: RawSession;

  afterEach(async () => {
    await till.close();
  });

  // Regression: holding the same seq again restarted its hold timer. A device retries every
  // retryMs (shorter than the hold: 1 s against 5 s by default), so a request after a gap that
  // never fills was never answered OUT_OF_ORDER: it hung until the device's deadline (DEADLINE,
  // "outcome unknown").
  it('fail with OUT_OF_ORDER after the hold limit, although the device keeps retrying', async ({ broker }) => {
    till = await RawSession.open(broker.url, 'toaster/shop', 'till');
    const { nonce } = await till.begin();
    // seq 2 with seq 1 missing, resent every 150 ms like a device retrying.
    const answer = till.answer(nonce, 2, 2_500);
    const bytes = encodeCall(nonce, 2, 0, 'buy', ['bread']);
    const retry = setInterval(() => void till.publish(bytes), 150);
    try {
      await till.publish(bytes);
      expect(asError(await answer).code).toBe('STEAD_E_OUT_OF_ORDER');
    } finally {
      clearInterval(retry);
    }
    // The held call never ran: seq 1 is still the next one, and the shop has sold nothing.
    expect(asReply(await till.call(nonce, 1, 'counters', [])).value).toEqual({});
  });
});
