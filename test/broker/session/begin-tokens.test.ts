import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { createTopics } from '../../../shared/topics.js';
import { encodeCall, encodeFrame, parseBegun } from '../../../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION, type Begun, type Frame } from '../../../shared/wire/frames.js';
import { hostileApp } from '../../helpers/apps/hostile-app.js';
import { startBroker } from '../../helpers/broker.js';
import { asError, asReply, isAnswer, token } from '../../helpers/frames.js';
import { connectRaw, type RawClient } from '../../helpers/raw-client.js';

// Issue 6, hole 5: MQTT redelivers QoS 1, so a begin can arrive twice, late. A late duplicate
// (after a newer begin, or after end) must not start an instance nobody holds.

const topics = createTopics();
const IN = topics.inbound('hostile', 'begins', 'till');
const OUT = topics.outbound('hostile', 'begins', 'till');

describe('a late duplicate begin starts nothing', () => {
  let broker: SteadBroker;
  let raw: RawClient;

  beforeEach(async () => {
    broker = await startBroker({ apps: [hostileApp] });
    raw = await connectRaw(broker.url);
    await raw.subscribe(OUT);
  });
  afterEach(async () => {
    await raw.close();
    await broker.close();
  });

  async function begin(ref: Uint8Array): Promise<Frame> {
    const answer = raw.nextFrame(OUT, (f) => isAnswer(f, ref, 0));
    await raw.publish(IN, encodeFrame({ kind: Kind.begin, version: PROTOCOL_VERSION, token: ref, info: null }));
    return answer;
  }

  async function begun(ref: Uint8Array): Promise<Begun> {
    return parseBegun(asReply(await begin(ref)).value);
  }

  async function call(nonce: Uint8Array, seq: number, method: string): Promise<Frame> {
    const answer = raw.nextFrame(OUT, (f) => isAnswer(f, nonce, seq));
    await raw.publish(IN, encodeCall(nonce, seq, seq - 1, method, []));
    return answer;
  }

  it('a begin repeated while its instance is current gets the same answer', async () => {
    const ref = token();
    const first = await begun(ref);
    const again = await begun(ref);
    expect(Buffer.from(again.nonce)).toEqual(Buffer.from(first.nonce));
    expect(asReply(await call(first.nonce, 1, 'bump')).value).toBe(1);
  });

  it('a duplicate of an older begin after a newer one is refused and fences nothing', async () => {
    const older = token();
    await begun(older);
    const current = await begun(token());
    expect(asError(await begin(older)).code).toBe('STEAD_E_STALE_INSTANCE');
    expect(asReply(await call(current.nonce, 1, 'bump')).value).toBe(1);
  });

  it('a duplicate begin after end starts no instance, and the next begin is not a crash', async () => {
    const ref = token();
    const first = await begun(ref);
    expect(asReply(await call(first.nonce, 1, 'bump')).value).toBe(1);
    const ended = raw.nextFrame(OUT, (f) => isAnswer(f, first.nonce, 2));
    await raw.publish(IN, encodeFrame({ kind: Kind.end, nonce: first.nonce, seq: 2 }));
    expect((await ended).kind).toBe(Kind.reply);
    expect(asError(await begin(ref)).code).toBe('STEAD_E_STALE_INSTANCE');
    const next = await begun(token());
    expect(next.crashed).toBe(false);
  });
});
