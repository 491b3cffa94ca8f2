import { afterEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { createTopics } from '../../../shared/topics.js';
import { encodeCall, encodeFrame, parseBegun } from '../../../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION } from '../../../shared/wire/frames.js';
import { startBroker } from '../../helpers/broker.js';
import { asError, asReply, isAnswer, token } from '../../helpers/frames.js';
import { connectRaw, type RawClient } from '../../helpers/raw-client.js';

const topics = createTopics();
const IN = topics.inbound('toaster', 'shop', 'till');
const OUT = topics.outbound('toaster', 'shop', 'till');

/**
 * Review finding: HeldRequests.hold() restarts the hold timer when the same seq arrives again.
 * A device retries every retryMs (< outOfOrderHoldMs by default: 1 s vs 5 s), so a request after
 * a gap that will never fill is never answered OUT_OF_ORDER (rule 4): it hangs to the device's
 * call deadline and fails as DEADLINE ("outcome unknown").
 */
describe('a held request that the device keeps retrying', () => {
  let broker: SteadBroker;
  let raw: RawClient;

  afterEach(async () => {
    await raw?.close();
    await broker?.close();
  });

  it('still fails with OUT_OF_ORDER once it has waited outOfOrderHoldMs', async () => {
    broker = await startBroker({ limits: { outOfOrderHoldMs: 400 } });
    raw = await connectRaw(broker.url);
    await raw.subscribe(OUT);
    const ref = token();
    const begun = raw.nextFrame(OUT, (f) => isAnswer(f, ref, 0));
    await raw.publish(IN, encodeFrame({ kind: Kind.begin, version: PROTOCOL_VERSION, token: ref, info: null }));
    const { nonce } = parseBegun(asReply(await begun).value);
    // seq 2 with seq 1 missing, resent every 150 ms like a device retrying.
    const answer = raw.nextFrame(OUT, (f) => isAnswer(f, nonce, 2), 2_500);
    const bytes = encodeCall(nonce, 2, 0, 'buy', ['bread']);
    const retry = setInterval(() => void raw.publish(IN, bytes), 150);
    try {
      await raw.publish(IN, bytes);
      expect(asError(await answer).code).toBe('STEAD_E_OUT_OF_ORDER');
    } finally {
      clearInterval(retry);
    }
  });
});
