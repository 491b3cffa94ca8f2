import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/limits.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import { attackApp } from '../helpers/apps/attack-app.js';
import { brokerOnDemand } from '../helpers/broker.js';

// Attack: each limit at its boundary. A notification is sent again later (hello, reload) with
// the queue's drop count of then, which can take more bytes than when it was notified. So it is
// checked against the frame limit with room for the largest drop count (9 bytes of CBOR): what
// was accepted is deliverable whenever it is sent, and one byte more is refused when notified.

const DEADLINE_MS = 3000;

/** Characters of text that make a notify frame exactly `bytes` long. */
function charsForFrame(bytes: number, seq: number, dropped: number): number {
  const overhead = encodeFrame({ kind: Kind.notify, seq, payload: 'x'.repeat(1000), dropped }).length - 1000;
  const chars = bytes - overhead;
  expect(encodeFrame({ kind: Kind.notify, seq, payload: 'x'.repeat(chars), dropped }).length).toBe(bytes);
  return chars;
}

describe('a notification that fit in a frame when notified fits whenever it is sent', () => {
  const env = brokerOnDemand();

  it('a notification of exactly maxFrameBytes, kept while the drop count grows past 23, reaches a device that connects later', async () => {
    const device = await env.start({ apps: [attackApp] }, { session: { deadlineMs: DEADLINE_MS } });
    const till = device.session('attack/shop', 'till');
    // A queue of 2 (drop oldest) for a phone nobody listens to yet: 24 small notifications
    // leave dropped = 22; the big one (seq 25) drops one more (23), the last (seq 26) another (24).
    await till.call('limit', 'phone', 2);
    for (let i = 0; i < 24; i++) await till.call('tell', 'phone', 1);
    // Dropped = 23 is one byte of CBOR; the bound leaves 9: the frame may be 8 bytes short of the limit.
    await expect(till.call('tell', 'phone', charsForFrame(LIMITS.maxFrameBytes - 7, 25, 23))).rejects.toMatchObject({
      code: 'STEAD_E_VALUE_TOO_LARGE',
    });
    const chars = charsForFrame(LIMITS.maxFrameBytes - 8, 25, 23);
    await till.call('tell', 'phone', chars);
    await till.call('tell', 'phone', 1);

    const phone = device.session('attack/shop', 'phone');
    const errors: unknown[] = [];
    phone.onError((error) => errors.push(error));
    const sizes: number[] = [];
    const both = new Promise<void>((resolve) => phone.onNotify((payload) => {
      sizes.push((payload as string).length);
      if (sizes.length === 2) resolve();
    }));
    await phone.begin();
    await Promise.race([both, new Promise((resolve) => setTimeout(resolve, DEADLINE_MS))]);
    expect(errors).toEqual([]);
    expect(sizes).toEqual([chars, 1]);
  });
});
