import { describe, expect, it } from 'vitest';
import { connectDevice, type ResourceClient } from '../../../device/index.js';
import { decodeRecord } from '../../../broker/record/record-codec.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, Verb, type Frame } from '../../../shared/wire/frames.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { connectRaw } from '../../helpers/raw-session.js';

const PROXY = 'toaster/res-1';

/** The code a promise rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'no error';
}

describe('session resources over the wire (DESIGN §6, real broker and device)', () => {
  const env = brokerOnDemand();
  const open = async (options = {}): Promise<ResourceClient> => (await env.start(options)).resources(PROXY);

  it('SINK, SOURCE, EXISTS, DELETE and the keys of a session', async () => {
    const r = await open();
    expect(await r.source('kitchen', 'cart')).toBeUndefined();
    await r.sink('kitchen', 'cart', { items: ['bread'], n: 2 });
    await r.sink('kitchen', 'a@first', null);
    expect(await r.source('kitchen', 'cart')).toEqual({ items: ['bread'], n: 2 });
    expect(await r.exists('kitchen', 'cart')).toBe(true);
    expect(await r.exists('kitchen', 'nope')).toBe(false);
    expect(await r.source('kitchen', 'a@first')).toBeNull();
    expect(await r.keys('kitchen')).toEqual(['a@first', 'cart']);
    expect(await r.delete('kitchen', 'cart')).toBe(true);
    expect(await r.delete('kitchen', 'cart')).toBe(false);
    expect(await r.source('kitchen', 'cart')).toBeUndefined();
    expect(await r.keys('kitchen')).toEqual(['a@first']);
    expect(await r.keys('nobody')).toEqual([]);
  });

  it('NEW makes a session with a 128-bit random id, listed with its visits', async () => {
    const r = await open();
    const a = await r.newSession();
    const b = await r.newSession();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).not.toBe(a);
    await r.sink(a, 'who', 'alice');
    const begun = env.device.session(PROXY, 'phone');
    await begun.begin({ agent: 'phone-app' });
    const listing = await r.sessions();
    expect(listing.next).toBeNull();
    const names = listing.sessions.map((s) => s.session);
    expect(names).toEqual([...names].sort());
    expect(listing.sessions.find((s) => s.session === a)).toMatchObject({ resources: 1, previous: 0 });
    expect(listing.sessions.find((s) => s.session === 'phone')).toMatchObject({ info: { agent: 'phone-app' }, resources: 0 });
    const page = await r.sessions(names[0] as string);
    expect(page.sessions.map((s) => s.session)).toEqual(names.slice(1));
  });

  it('a once-only value is returned by one SOURCE, which deletes it; EXISTS does not consume it', async () => {
    const r = await open();
    await r.sink('kitchen', 'code', 'x-42', { once: true });
    expect(await r.exists('kitchen', 'code')).toBe(true);
    expect(await r.source('kitchen', 'code')).toBe('x-42');
    expect(await r.source('kitchen', 'code')).toBeUndefined();
    expect(await r.exists('kitchen', 'code')).toBe(false);
  });

  it('a resource with a TTL reads as absent once expired', async () => {
    const clock = new ManualClock();
    const r = await open({ clock });
    await r.sink('kitchen', 'token', 't', { ttlMs: 1000 });
    clock.advance(999);
    expect(await r.source('kitchen', 'token')).toBe('t');
    clock.advance(1);
    expect(await r.source('kitchen', 'token')).toBeUndefined();
    expect(await r.exists('kitchen', 'token')).toBe(false);
    expect(await r.keys('kitchen')).toEqual([]);
  });

  it('an expired resource leaves the store by itself: its expiry wakes the proxy, which purges it', async () => {
    const clock = new ManualClock();
    const r = await open({ clock });
    await r.sink('kitchen', 'token', 't', { ttlMs: 1000 });
    await r.sink('kitchen', 'kept', 'k');
    const storedKeys = async (): Promise<string[]> => {
      const record = decodeRecord((await env.broker.store.load(PROXY))?.record as Uint8Array);
      return [...(record.sessions.get('kitchen')?.resources.keys() ?? [])].sort();
    };
    expect(await storedKeys()).toEqual(['kept', 'token']);
    expect(await env.broker.store.listWaking(clock.now() + 1000)).toContain(PROXY);
    clock.advance(1000);
    await expect.poll(storedKeys).toEqual(['kept']);
    // Nothing else expires: the proxy is not due again.
    expect(await env.broker.store.listWaking(clock.now() + 1e9)).not.toContain(PROXY);
  });

  it('limits: RESOURCE_TOO_LARGE and RESOURCE_LIMIT, with nothing half-written', async () => {
    const r = await open({ limits: { maxResourceBytes: 100, maxResourcesPerSession: 2 } });
    await r.sink('kitchen', 'a', 'small');
    expect(await codeOf(r.sink('kitchen', 'a', 'x'.repeat(200)))).toBe('STEAD_E_RESOURCE_TOO_LARGE');
    expect(await r.source('kitchen', 'a')).toBe('small');
    await r.sink('kitchen', 'b', 2);
    expect(await codeOf(r.sink('kitchen', 'c', 3))).toBe('STEAD_E_RESOURCE_LIMIT');
    expect(await r.keys('kitchen')).toEqual(['a', 'b']);
    // Replacing one of them is not one more.
    await r.sink('kitchen', 'b', 'two');
    expect(await r.source('kitchen', 'b')).toBe('two');
  });

  it('a broker refuses a resource size that leaves no room for the reply frame (BAD_OPTIONS)', async () => {
    await expect(env.start({ limits: { maxFrameBytes: 4096, maxResourceBytes: 4096 } })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
    await expect(env.start({ limits: { maxResourcesPerSession: 0 } })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });

  it('bad keys, names and values are refused with their codes', async () => {
    const r = await open();
    expect(await codeOf(r.sink('kitchen', 'Bad/Key', 1))).toBe('STEAD_E_INVALID_KEY');
    expect(await codeOf(r.sink('Kitchen', 'k', 1))).toBe('STEAD_E_INVALID_NAME');
    expect(await codeOf(r.sink('kitchen', 'k', undefined))).toBe('STEAD_E_BAD_VALUE');
    expect(await codeOf(r.sink('kitchen', 'k', 1, { ttlMs: -5 }))).toBe('STEAD_E_BAD_OPTIONS');
  });

  it('a request sent again gets the answer of the first: a once-only value is neither lost nor returned twice', async () => {
    await env.start();
    await env.device.resources(PROXY).sink('kitchen', 'code', 'once', { once: true });
    const raw = await connectRaw(env.broker.url);
    try {
      const out = 'stead/toaster/res-1/raw/out';
      await raw.subscribe(out);
      const ref = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
      const bytes = encodeFrame({ kind: Kind.resource, ref, seq: 1, answered: 0, verb: Verb.source, session: 'kitchen', key: 'code', value: null, options: null });
      const isAnswer = (frame: Frame): boolean => frame.kind === Kind.reply;
      await raw.publish('stead/toaster/res-1/raw/in', bytes);
      expect(await raw.nextFrame(out, isAnswer)).toMatchObject({ value: 'once' });
      await raw.publish('stead/toaster/res-1/raw/in', bytes);
      expect(await raw.nextFrame(out, isAnswer)).toMatchObject({ value: 'once' });
      const other = encodeFrame({ kind: Kind.resource, ref: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), seq: 1, answered: 0, verb: Verb.source, session: 'kitchen', key: 'code', value: null, options: null });
      await raw.publish('stead/toaster/res-1/raw/in', other);
      const answer = await raw.nextFrame(out, isAnswer);
      expect(answer).toMatchObject({ value: undefined });
    } finally {
      await raw.close();
    }
  });

  it('two clients on one channel session never take each other’s answers; more requests than the window each run once', async () => {
    await env.start();
    const second = await connectDevice({ url: env.broker.url });
    try {
      const a = env.device.resources(PROXY, { channel: 'shared' });
      const b = second.resources(PROXY, { channel: 'shared' });
      const n = 40;
      await Promise.all(Array.from({ length: n }, (_, i) => [a.sink('ka', `k${i}`, i), b.sink('kb', `k${i}`, 100 + i)]).flat());
      const read = await Promise.all(Array.from({ length: n }, (_, i) => Promise.all([a.source('ka', `k${i}`), b.source('kb', `k${i}`)])));
      expect(read).toEqual(Array.from({ length: n }, (_, i) => [i, 100 + i]));
      expect((await a.keys('ka')).length).toBe(n);
    } finally {
      await second.close();
    }
  });

  it('a client id or first seq that is not one is refused with BAD_OPTIONS', async () => {
    await env.start();
    expect(() => env.device.resources(PROXY, { id: new Uint8Array(3) })).toThrow(expect.objectContaining({ code: 'STEAD_E_BAD_OPTIONS' }));
    expect(() => env.device.resources(PROXY, { seq: 0 })).toThrow(expect.objectContaining({ code: 'STEAD_E_BAD_OPTIONS' }));
  });

  it('a frame whose verb lacks its address parts is refused as MALFORMED_FRAME', async () => {
    await env.start();
    const raw = await connectRaw(env.broker.url);
    try {
      const out = 'stead/toaster/res-1/raw/out';
      await raw.subscribe(out);
      const bytes = encodeFrame({ kind: Kind.resource, ref: Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1), seq: 1, answered: 0, verb: Verb.sink, session: 'kitchen', key: null, value: 1, options: null });
      await raw.publish('stead/toaster/res-1/raw/in', bytes);
      expect(await raw.nextFrame(out)).toMatchObject({ kind: Kind.error, code: 'STEAD_E_MALFORMED_FRAME' });
    } finally {
      await raw.close();
    }
  });
});
