import { afterEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { LIMITS, type Limits } from '../../shared/limits.js';
import { bytesEqual } from '../../shared/bytes.js';
import { NONCE_BYTES } from '../../shared/wire/frames.js';
import { startBroker } from '../helpers/broker.js';
import { asError, asReply, connectRaw, RawSession, token, type RawClient } from '../helpers/raw-session.js';

// DESIGN §4: the session rules, driven by hand-made frames from a raw MQTT client.


/** The session `till` of toaster/shop, spoken frame by frame, keeping every payload's bytes. */
class Till extends RawSession {
  /** Every payload on the out topic, undecoded, to compare bytes. */
  readonly payloads: Buffer[] = [];

  constructor(raw: RawClient) {
    super(raw, 'toaster/shop', 'till');
    raw.client.on('message', (topic, payload) => {
      if (topic === this.out) this.payloads.push(payload);
    });
  }
}

describe('session rules (DESIGN §4)', () => {
  let broker: SteadBroker | null = null;
  const raws: RawClient[] = [];

  async function till(limits: Partial<Limits> = {}): Promise<Till> {
    broker = await startBroker({ limits });
    const raw = await connectRaw(broker.url);
    raws.push(raw);
    const t = new Till(raw);
    await raw.subscribe(t.out);
    return t;
  }

  /** The shop's sales, read in the current instance at `seq`. */
  async function counters(t: Till, nonce: Uint8Array, seq: number): Promise<unknown> {
    return asReply(await t.call(nonce, seq, 'counters', [])).value;
  }

  afterEach(async () => {
    await Promise.all(raws.splice(0).map((r) => r.close()));
    await broker?.close();
    broker = null;
  });

  describe('rule 1–2: begin, repeated begin, fencing', () => {
    it('answers begin with [nonce, memento, crashed]', async () => {
      const t = await till();
      const begun = await t.begin();
      expect(begun.nonce).toHaveLength(NONCE_BYTES);
      expect(begun).toMatchObject({ memento: null, crashed: false });
    });

    it('answers a repeated begin (same token) with the same answer, not a crash', async () => {
      const t = await till();
      const ref = token();
      const first = await t.begin(ref);
      const again = await t.begin(ref);
      expect(bytesEqual(again.nonce, first.nonce)).toBe(true);
      expect(again.crashed).toBe(false);
      expect(t.payloads[1]).toEqual(t.payloads[0]);
      // The instance is still the current one.
      expect(asReply(await t.call(first.nonce, 1, 'buy', ['toast'])).value).toBe(1);
    });

    it('reports crashed after a begin without end, and fences the older nonce', async () => {
      const t = await till();
      const old = await t.begin();
      expect(asReply(await t.call(old.nonce, 1, 'buy', ['toast'])).value).toBe(1);
      const fresh = await t.begin();
      expect(fresh.crashed).toBe(true);
      expect(bytesEqual(fresh.nonce, old.nonce)).toBe(false);
      const stale = asError(await t.call(old.nonce, 2, 'buy', ['toast']));
      expect(stale).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE', seq: 2 });
      // No effect: the fenced call did not count a sale; seq restarted at 1 for the new nonce.
      expect(await counters(t, fresh.nonce, 1)).toEqual({ toast: 1 });
    });

    it('answers a call before any begin with NOT_BEGUN', async () => {
      const t = await till();
      const nonce = token();
      const error = asError(await t.call(nonce, 1, 'buy', ['toast']));
      expect(error).toMatchObject({ code: 'STEAD_E_NOT_BEGUN', seq: 1 });
      expect(bytesEqual(error.ref, nonce)).toBe(true);
      const begun = await t.begin();
      expect(begun.crashed).toBe(false);
      expect(await counters(t, begun.nonce, 1)).toEqual({});
    });
  });

  describe('rule 3: duplicates and the reply cache', () => {
    it('answers a duplicate seq from the reply cache without running the method again', async () => {
      const t = await till();
      const { nonce } = await t.begin();
      const first = t.answer(nonce, 1);
      await t.send(nonce, 1, 'buy', ['toast']);
      await t.send(nonce, 1, 'buy', ['toast']);
      expect(asReply(await first).value).toBe(1);
      // The second answer follows the first; wait for it by a later request's reply.
      expect(await counters(t, nonce, 2)).toEqual({ toast: 1 });
      expect(t.answers()).toEqual(['reply:0', 'reply:1', 'reply:1', 'reply:2']);
      expect(t.payloads[2]).toEqual(t.payloads[1]);
    });

    it('answers a seq older than the reply cache with STALE_REQUEST and runs nothing', async () => {
      const t = await till();
      const { nonce } = await t.begin();
      // answered = seq - 1 lets the proxy drop every reply the device already holds.
      for (const seq of [1, 2, 3]) expect(asReply(await t.call(nonce, seq, 'buy', ['toast'])).value).toBe(seq);
      const stale = asError(await t.call(nonce, 1, 'buy', ['toast'], 0));
      expect(stale).toMatchObject({ code: 'STEAD_E_STALE_REQUEST', seq: 1 });
      expect(await counters(t, nonce, 4)).toEqual({ toast: 3 });
    });
  });

  describe('rule 4: gaps and the window', () => {
    it('holds a request after a gap until the gap fills, then answers in order', async () => {
      const t = await till();
      const { nonce } = await t.begin();
      await t.send(nonce, 3, 'buy', ['toast'], 0);
      await t.send(nonce, 2, 'buy', ['toast'], 0);
      const third = t.answer(nonce, 3);
      await t.send(nonce, 1, 'buy', ['toast'], 0);
      expect(asReply(await third).value).toBe(3);
      // Nothing answered 2 or 3 before 1 arrived: the answers came in seq order after it.
      expect(t.answers()).toEqual(['reply:0', 'reply:1', 'reply:2', 'reply:3']);
      expect(t.raw.frames(t.out).slice(1).map((f) => asReply(f).value)).toEqual([1, 2, 3]);
      expect(await counters(t, nonce, 4)).toEqual({ toast: 3 });
    });

    it('answers OUT_OF_ORDER when a gap never fills within outOfOrderHoldMs', async () => {
      const holdMs = 200;
      const t = await till({ outOfOrderHoldMs: holdMs });
      const { nonce } = await t.begin();
      const started = Date.now();
      const error = asError(await t.call(nonce, 2, 'buy', ['toast'], 0));
      expect(Date.now() - started).toBeGreaterThanOrEqual(holdMs - 20);
      expect(error).toMatchObject({ code: 'STEAD_E_OUT_OF_ORDER', seq: 2 });
      expect(bytesEqual(error.ref, nonce)).toBe(true);
      // The held request never ran; the session goes on from seq 1.
      expect(await counters(t, nonce, 1)).toEqual({});
    });

    it('answers a seq beyond the window with WINDOW_EXCEEDED and runs nothing', async () => {
      const t = await till();
      const { nonce } = await t.begin();
      expect(asReply(await t.call(nonce, 1, 'buy', ['toast'])).value).toBe(1);
      const far = 1 + LIMITS.maxWindow + 1;
      const error = asError(await t.call(nonce, far, 'buy', ['toast'], 1));
      expect(error).toMatchObject({ code: 'STEAD_E_WINDOW_EXCEEDED', seq: far });
      // Not held either: the next seq runs at once and nothing else is answered.
      expect(await counters(t, nonce, 2)).toEqual({ toast: 1 });
      expect(t.answers()).toEqual(['reply:0', 'reply:1', `STEAD_E_WINDOW_EXCEEDED:${far}`, 'reply:2']);
    });
  });

  describe('rule 8: mementos and end', () => {
    it('returns the remembered memento after a crash; end clears it; a second end is harmless', async () => {
      const t = await till();
      const first = await t.begin();
      expect(asReply(await t.call(first.nonce, 1, 'buy', ['toast', 1])).value).toBe(1);
      expect(asReply(await t.call(first.nonce, 2, 'buy', ['toast', 2])).value).toBe(2);

      const second = await t.begin();
      expect(second).toMatchObject({ memento: 2, crashed: true });

      const ended = asReply(await t.end(second.nonce, 1));
      expect(ended.value).toBeNull();
      const endedAgain = await t.end(second.nonce, 1);
      expect(asReply(endedAgain).value).toBeNull();
      // A call from the ended instance is refused as stale, not run.
      expect(asError(await t.call(second.nonce, 2, 'buy', ['toast']))).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });

      const third = await t.begin();
      expect(third).toMatchObject({ memento: null, crashed: false });
      const stale = asError(await t.end(second.nonce, 2));
      expect(stale).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE', seq: 2 });
      expect(asError(await t.end(first.nonce, 3))).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
      // The current instance is untouched by the stale ends.
      expect(await counters(t, third.nonce, 1)).toEqual({ toast: 2 });
    });
  });
});
