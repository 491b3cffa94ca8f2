import { afterEach, describe, expect } from 'vitest';
import { Kind, PROTOCOL_VERSION } from '../../../shared/wire/frames.js';
import { hostileApp } from '../../helpers/apps/hostile-app.js';
import { it, test } from '../../helpers/fixtures.js';
import { asError, asReply, RawSession, token } from '../../helpers/raw-session.js';

// Issue 6, hole 5: MQTT redelivers QoS 1, so a begin can arrive twice, late. A late duplicate
// (after a newer begin, or after end) must not start an instance nobody holds.

describe('a late duplicate begin starts nothing', () => {
  test.override('brokerOptions', { apps: [hostileApp] });
  let till: RawSession;

  test.beforeEach(async ({ broker }) => {
    till = await RawSession.open(broker.url, 'hostile/begins', 'till');
  });
  afterEach(async () => {
    await till.close();
  });

  it('a begin repeated while its instance is current gets the same answer', async () => {
    const ref = token();
    const first = await till.begin(ref);
    const again = await till.begin(ref);
    expect(Buffer.from(again.nonce)).toEqual(Buffer.from(first.nonce));
    expect(asReply(await till.call(first.nonce, 1, 'bump', [])).value).toBe(1);
  });

  it('a duplicate of an older begin after a newer one is refused and fences nothing', async () => {
    const older = token();
    await till.begin(older);
    const current = await till.begin(token());
    expect(asError(await till.sendBegin(PROTOCOL_VERSION, older)).code).toBe('STEAD_E_STALE_INSTANCE');
    expect(asReply(await till.call(current.nonce, 1, 'bump', [])).value).toBe(1);
  });

  // Regression: tokens were remembered 8 deep, so a begin redelivered after 8 newer ones began a
  // ghost instance that fenced the current one. They are remembered for a day now (record.ts).
  it('a duplicate of an older begin after 20 newer ones is still refused and fences nothing', async () => {
    const older = token();
    await till.begin(older);
    let current = await till.begin(token());
    for (let i = 0; i < 19; i++) current = await till.begin(token());
    expect(asError(await till.sendBegin(PROTOCOL_VERSION, older)).code).toBe('STEAD_E_STALE_INSTANCE');
    expect(asReply(await till.call(current.nonce, 1, 'bump', [])).value).toBe(1);
  });

  it('a duplicate begin after end starts no instance, and the next begin is not a crash', async () => {
    const ref = token();
    const first = await till.begin(ref);
    expect(asReply(await till.call(first.nonce, 1, 'bump', [])).value).toBe(1);
    expect((await till.end(first.nonce, 2)).kind).toBe(Kind.reply);
    expect(asError(await till.sendBegin(PROTOCOL_VERSION, ref)).code).toBe('STEAD_E_STALE_INSTANCE');
    const next = await till.begin(token());
    expect(next.crashed).toBe(false);
  });
});
