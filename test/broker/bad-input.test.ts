import { afterEach, describe, expect } from 'vitest';
import { defineProxy, type SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device } from '../../device/index.js';
import { subscribeOutcome } from '../helpers/keys.js';
import { LIMITS } from '../../shared/limits.js';
import { bytesEqual } from '../../shared/bytes.js';
import { encodeFrame, encodeValue } from '../../shared/wire/codec.js';
import { Kind, NONCE_BYTES, PROTOCOL_VERSION, type ErrorFrame } from '../../shared/wire/frames.js';
import { helloApp } from '../helpers/apps/hello.js';
import toaster from '../helpers/apps/toaster.js';
import { it, test } from '../helpers/fixtures.js';
import { asError, asReply, beginBytes, connectRaw, RawSession, token, type RawClient } from '../helpers/raw-session.js';

// DESIGN §5: anything that does not decode, or decodes to the wrong shape, is answered with a
// typed error frame where there is someone to answer, dropped and counted otherwise; the broker
// keeps running and the other sessions are unaffected.

/** Publishes bytes and resolves with the first error frame with ref null on the out topic. */
async function sendGarbage(session: RawSession, bytes: Uint8Array): Promise<ErrorFrame> {
  const next = session.raw.nextFrame(session.out, (f) => f.kind === Kind.error && f.ref === null);
  await session.publish(bytes);
  return asError(await next);
}

describe('bad input (DESIGN §5)', () => {
  let broker: SteadBroker;
  const raws: RawClient[] = [];
  const devices: Device[] = [];

  async function raw(): Promise<RawClient> {
    const rc = await connectRaw(broker.url);
    raws.push(rc);
    return rc;
  }

  /** A raw client speaking one session, subscribed to its out topic. */
  async function rawOn(proxy: string, session: string): Promise<RawSession> {
    const rawSession = new RawSession(await raw(), proxy, session);
    await rawSession.raw.subscribe(rawSession.out);
    return rawSession;
  }

  /** Another session, through the real device library, still gets correct answers. */
  async function expectOthersWork(): Promise<void> {
    const device = await connectDevice({ url: broker.url, session: { deadlineMs: 5000 } });
    devices.push(device);
    const session = device.session('toaster/bystander', 'fine');
    await expect(session.call('buy', 'check')).resolves.toBe(1);
    await expect(session.call('buy', 'check')).resolves.toBe(2);
  }

  /** The session that sent bad input can still begin and call normally. */
  async function expectSessionWorks(session: RawSession): Promise<void> {
    const { nonce } = await session.begin();
    expect(asReply(await session.call(nonce, 1, 'buy', ['after'])).value).toBe(1);
  }

  test.beforeEach(({ broker: started }) => {
    broker = started;
  });

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await Promise.all(raws.splice(0).map((r) => r.close()));
  });

  describe('frames that do not decode answer MALFORMED_FRAME with ref null', () => {
    const nonce = new Uint8Array(NONCE_BYTES).fill(7);
    const cases: [string, Uint8Array][] = [
      ['bytes that are not CBOR', Buffer.from([0xff, 0xfe, 0x00])],
      ['an empty payload', new Uint8Array(0)],
      ['a truncated CBOR array', Buffer.from([0x9f, 0x01])],
      ['a CBOR map', encodeValue({ kind: Kind.call, seq: 1 })],
      ['a CBOR number', encodeValue(42)],
      ['an empty array', encodeValue([])],
      ['a call with too few elements', encodeValue([Kind.call, nonce, 1, 0, 'buy'])],
      ['a call with too many elements', encodeValue([Kind.call, nonce, 1, 0, 'buy', ['toast'], 'extra'])],
      ['a call whose nonce is not 8 bytes', encodeValue([Kind.call, new Uint8Array(3), 1, 0, 'buy', ['toast']])],
      ['a call whose args are not an array', encodeValue([Kind.call, nonce, 1, 0, 'buy', 'toast'])],
      ['a call with seq 0', encodeValue([Kind.call, nonce, 0, 0, 'buy', ['toast']])],
      ['a begin with too few elements', encodeValue([Kind.begin, PROTOCOL_VERSION, token()])],
      ['unknown kind 9', encodeValue([9, 1, 2])],
      ['a reply sent device → proxy', encodeFrame({ kind: Kind.reply, ref: nonce, seq: 1, value: 'forged' })],
      ['a notify sent device → proxy', encodeFrame({ kind: Kind.notify, seq: 1, payload: 'forged', dropped: 0 })],
      [
        'an error sent device → proxy',
        encodeFrame({ kind: Kind.error, ref: null, seq: 0, code: 'STEAD_E_APP_ERROR', message: 'forged', data: null }),
      ],
    ];

    it.each(cases)('%s', async (_name, bytes) => {
      const garbage = await rawOn('toaster/shop', 'garbage');
      const error = await sendGarbage(garbage, bytes);
      expect(error).toMatchObject({ code: 'STEAD_E_MALFORMED_FRAME', ref: null, seq: 0 });
      await expectSessionWorks(garbage);
      await expectOthersWork();
    });
  });

  it('answers an oversize frame with FRAME_TOO_LARGE', async () => {
    const big = await rawOn('toaster/shop', 'big');
    const error = await sendGarbage(big, new Uint8Array(LIMITS.maxFrameBytes + 1));
    expect(error).toMatchObject({ code: 'STEAD_E_FRAME_TOO_LARGE', ref: null, seq: 0 });
    await expectSessionWorks(big);
    await expectOthersWork();
  });

  it('answers a begin with an unsupported protocol version with UNSUPPORTED_VERSION, ref = the token', async () => {
    const future = await rawOn('toaster/shop', 'future');
    const error = asError(await future.sendBegin(PROTOCOL_VERSION + 1));
    expect(error.code).toBe('STEAD_E_UNSUPPORTED_VERSION');
    expect(error.data).toEqual({ supported: [PROTOCOL_VERSION] });
    await expectSessionWorks(future);
    await expectOthersWork();
  });

  it('answers a begin for an unknown app with UNKNOWN_APP, ref = the begin token', async () => {
    const lost = await rawOn('nosuchapp/shop', 'lost');
    expect(asError(await lost.sendBegin()).code).toBe('STEAD_E_UNKNOWN_APP');
    // A call to an unknown app is correlated by its nonce and seq.
    const nonce = token();
    expect(asError(await lost.call(nonce, 3, 'buy', ['toast'])).code).toBe('STEAD_E_UNKNOWN_APP');
    await expectOthersWork();
  });

  it('answers an unknown method with UNKNOWN_METHOD and consumes its seq', async () => {
    const curious = await rawOn('toaster/shop', 'curious');
    const { nonce } = await curious.begin();
    const error = asError(await curious.call(nonce, 1, 'explode', []));
    expect(error.code).toBe('STEAD_E_UNKNOWN_METHOD');
    expect(bytesEqual(error.ref, nonce)).toBe(true);
    expect(error.seq).toBe(1);
    expect(asReply(await curious.call(nonce, 2, 'buy', ['toast'])).value).toBe(1);
    await expectOthersWork();
  });

  it('answers arguments of the wrong shape with BAD_ARGUMENTS and runs nothing', async () => {
    const sloppy = await rawOn('toaster/shop', 'sloppy');
    const { nonce } = await sloppy.begin();
    const badCalls: unknown[][] = [[42], [], ['toast', 1, 2]];
    for (const [i, args] of badCalls.entries()) {
      const error = asError(await sloppy.call(nonce, i + 1, 'buy', args));
      expect(error).toMatchObject({ code: 'STEAD_E_BAD_ARGUMENTS', seq: i + 1 });
    }
    expect(asReply(await sloppy.call(nonce, 4, 'counters', [])).value).toEqual({});
    expect(asReply(await sloppy.call(nonce, 5, 'buy', ['toast'])).value).toBe(1);
    await expectOthersWork();
  });

  describe('topics that are not Stead topics are dropped and counted', () => {
    const cases: [string, string][] = [
      ['an uppercase app', 'stead/Toaster/shop/s1/in'],
      ['an uppercase id', 'stead/toaster/Shop/s1/in'],
      ['a session with a forbidden character', 'stead/toaster/shop/s!1/in'],
      ['too many levels', 'stead/toaster/shop/s1/extra/in'],
      ['too few levels', 'stead/toaster/shop/in'],
    ];

    it.each(cases)('%s', async (_name, topic) => {
      const watcher = await raw();
      // Whatever might answer would go to the matching out topic.
      const outTopic = topic.replace(/\/in$/, '/out');
      await watcher.subscribe(outTopic);
      const before = broker.metrics.get('dropped.bad_topic');
      await watcher.publish(topic, beginBytes(token()));
      // A later valid request from the same connection is dispatched after the bad one, so
      // once its answer is back the bad one has been handled: dropped, counted, unanswered.
      const s1 = new RawSession(watcher, 'toaster/shop', 's1');
      await watcher.subscribe(s1.out);
      await expectSessionWorks(s1);
      expect(watcher.frames(outTopic)).toEqual([]);
      expect(broker.metrics.get('dropped.bad_topic')).toBe(before + 1);
      await expectOthersWork();
    });
  });

  it('refuses a client publishing a forged reply to another session’s out topic', async () => {
    const victim = await rawOn('toaster/shop', 'victim');
    const { nonce } = await victim.begin();
    const forger = await raw();
    const closed = new Promise<'closed'>((resolve) => forger.client.once('close', () => resolve('closed')));
    const forged = encodeFrame({ kind: Kind.reply, ref: nonce, seq: 1, value: 'forged' });
    const acked = forger.publish(victim.out, forged).then(
      () => 'acked' as const,
      () => 'closed' as const,
    );
    // The broker refuses the publish by dropping the forger's connection (MQTT-3.3.5-2).
    expect(await Promise.race([closed, acked])).toBe('closed');
    expect(asReply(await victim.call(nonce, 1, 'buy', ['toast'])).value).toBe(1);
    const replies = victim.raw.frames(victim.out).filter((f) => f.kind === Kind.reply && f.seq === 1);
    expect(replies.map((f) => asReply(f).value)).toEqual([1]);
    await expectOthersWork();
  });

  it('an exact subscription to a request topic is refused with granted QoS 128; the connection stays up', async () => {
    const rc = await raw();
    expect(await subscribeOutcome(rc.client, 'stead/toaster/shop/s1/in')).toBe(128);
    const s1 = new RawSession(rc, 'toaster/shop', 's1');
    await rc.subscribe(s1.out);
    await expectSessionWorks(s1);
    await expectOthersWork();
  });

  // Wildcards are a normal MQTT feature (issue 8): granted, and filtered per delivery, so they
  // never deliver a request (DESIGN §7; the admin role aside).
  describe('wildcard subscriptions are granted and never deliver requests', () => {
    it.each(['stead/#', 'stead/+/+/+/in', '#', '+/toaster/shop/s1/in'])('%s', async (filter) => {
      const rc = await raw();
      const topics: string[] = [];
      rc.client.on('message', (topic) => topics.push(topic));
      expect(await subscribeOutcome(rc.client, filter)).toBe(1);
      const s1 = new RawSession(rc, 'toaster/shop', 's1');
      await rc.subscribe(s1.out);
      await expectSessionWorks(s1);
      expect(topics.filter((t) => t.endsWith('/in'))).toEqual([]);
      await expectOthersWork();
    });
  });

  describe('an app method that throws', () => {
    interface FlakyState {
      value: number;
      log: string[];
    }
    const flaky = defineProxy<FlakyState>({
      name: 'flaky',
      init: () => ({ value: 1, log: [] }),
      methods: {
        /** Mutates the draft, then fails: nothing of it may survive (DESIGN §4 rule 6). */
        setThenThrow: {
          args: ['integer'],
          run(ctx, value: number) {
            ctx.state.value = value;
            ctx.state.log.push(`set ${value}`);
            ctx.remember('never');
            ctx.notify('never', /.*/);
            throw Object.assign(new Error(`flaky refused ${value}`), { code: 'FLAKY' });
          },
        },
        read: { args: [], run: (ctx) => ({ value: ctx.state.value, log: ctx.state.log }) },
      },
    });

    test.override('brokerOptions', { apps: [toaster, helloApp(40), flaky] });

    it('answers APP_ERROR with the app’s message and rolls the state back', async () => {
      const s1 = await rawOn('flaky/one', 's1');
      const { nonce } = await s1.begin();
      const error = asError(await s1.call(nonce, 1, 'setThenThrow', [99]));
      expect(error).toMatchObject({ code: 'STEAD_E_APP_ERROR', seq: 1, message: 'flaky refused 99' });
      expect(error.data).toMatchObject({ code: 'FLAKY' });
      // Rule 6: the error is cached like any reply; a retry sees it again and nothing runs.
      const retry = asError(await s1.call(nonce, 1, 'setThenThrow', [99]));
      expect(retry).toMatchObject({ code: 'STEAD_E_APP_ERROR', seq: 1, message: 'flaky refused 99' });
      expect(asReply(await s1.call(nonce, 2, 'read', [])).value).toEqual({ value: 1, log: [] });
      // Everything the session heard: no notification of the dropped draft among it.
      expect(s1.answers()).toEqual(['reply:0', 'STEAD_E_APP_ERROR:1', 'STEAD_E_APP_ERROR:1', 'reply:2']);
      // The memento was dropped with the draft: a new begin does not see it.
      expect(await s1.begin()).toMatchObject({ memento: null, crashed: true });
      await expectOthersWork();
    });
  });
});
