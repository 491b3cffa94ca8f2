/**
 * The Store contract (DESIGN §6, STYLE §4): every backend runs this suite, in the spirit of
 * aedes-persistence's abstract.js. Users run it on their own backends through
 * `stead/broker/testing` (docs/stores.md); a backend's test file is a few lines:
 *   runStoreContract('sqlite', async () => { ...; return { store, cleanup } });
 * It imports vitest, so it is reachable only from that entry, never from `stead/broker`.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxyWrite, Store } from './types.js';

export interface StoreFixture {
  store: Store;
  /** Closes the store (if the test did not) and removes whatever it left behind. */
  cleanup(): Promise<void>;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

function write(key: string, expectVersion: number, record: Uint8Array = bytes(1, 2, 3), wakeAt: number | null = null): ProxyWrite {
  return { key, expectVersion, record, wakeAt };
}

/** Compares contents only, so a backend may hand back a Buffer or a plain Uint8Array. */
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  const got = Buffer.from(actual ?? []);
  // Small records diff as hex; large ones by length and content, to keep failures readable.
  if (expected.length <= 64) expect(got.toString('hex')).toBe(Buffer.from(expected).toString('hex'));
  else expect([got.length, got.equals(expected)]).toEqual([expected.length, true]);
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Creates `key` at version 1, or fails the test. */
    async function create(key: string, record = bytes(1), wakeAt: number | null = null): Promise<void> {
      expect(await store.commit([write(key, 0, record, wakeAt)])).toEqual(['committed']);
    }

    describe('load and commit', () => {
      it('loads a missing key as undefined', async () => {
        expect(await store.load('app/missing')).toBeUndefined();
      });

      it('creates a record at version 1 with the exact bytes', async () => {
        const record = bytes(0, 1, 2, 253, 254, 255);
        expect(await store.commit([write('app/a', 0, record)])).toEqual(['committed']);
        const loaded = await store.load('app/a');
        expect(loaded?.version).toBe(1);
        expectBytes(loaded?.record, record);
      });

      it('advances the version by one per commit', async () => {
        await create('app/a', bytes(1));
        expect(await store.commit([write('app/a', 1, bytes(2))])).toEqual(['committed']);
        expect(await store.commit([write('app/a', 2, bytes(3, 3))])).toEqual(['committed']);
        const loaded = await store.load('app/a');
        expect(loaded?.version).toBe(3);
        expectBytes(loaded?.record, bytes(3, 3));
      });

      it('stores an empty record', async () => {
        await create('app/empty', new Uint8Array(0));
        expectBytes((await store.load('app/empty'))?.record, new Uint8Array(0));
      });

      it('answers an empty batch with no outcomes', async () => {
        expect(await store.commit([])).toEqual([]);
      });
    });

    describe('bytes are copies', () => {
      it('is not changed by mutating the committed Uint8Array afterwards', async () => {
        const record = bytes(1, 2, 3);
        await create('app/a', record);
        record[0] = 99;
        expectBytes((await store.load('app/a'))?.record, bytes(1, 2, 3));
      });

      // Buffer#slice is a view, not a copy; cbor-x encodes records to Buffers.
      it('is not changed by mutating a committed Buffer, or the bytes loaded from it', async () => {
        const record = Buffer.from([1, 2, 3]);
        await create('app/a', record);
        record[0] = 99;
        expectBytes((await store.load('app/a'))?.record, bytes(1, 2, 3));
        (await store.load('app/a'))?.record.fill(0);
        expectBytes((await store.load('app/a'))?.record, bytes(1, 2, 3));
      });

      it('is not changed by mutating loaded bytes', async () => {
        await create('app/a', bytes(1, 2, 3));
        const first = await store.load('app/a');
        first?.record.fill(0);
        expectBytes((await store.load('app/a'))?.record, bytes(1, 2, 3));
      });
    });

    describe('version check', () => {
      it('refuses a stale expectVersion and keeps the stored record', async () => {
        await create('app/a', bytes(1));
        await store.commit([write('app/a', 1, bytes(2))]);
        expect(await store.commit([write('app/a', 1, bytes(9))])).toEqual(['conflict']);
        const loaded = await store.load('app/a');
        expect(loaded?.version).toBe(2);
        expectBytes(loaded?.record, bytes(2));
      });

      it('refuses to create a key that exists (expectVersion 0)', async () => {
        await create('app/a', bytes(1));
        expect(await store.commit([write('app/a', 0, bytes(9))])).toEqual(['conflict']);
        expectBytes((await store.load('app/a'))?.record, bytes(1));
      });

      it('refuses an update of a key that does not exist', async () => {
        expect(await store.commit([write('app/ghost', 3)])).toEqual(['conflict']);
        expect(await store.load('app/ghost')).toBeUndefined();
      });

      it('reports a conflict per write without stopping the rest of the batch', async () => {
        await create('app/b', bytes(1));
        const outcomes = await store.commit([write('app/a', 0, bytes(10)), write('app/b', 0), write('app/c', 0, bytes(30))]);
        expect(outcomes).toEqual(['committed', 'conflict', 'committed']);
        expectBytes((await store.load('app/a'))?.record, bytes(10));
        expectBytes((await store.load('app/b'))?.record, bytes(1));
        expectBytes((await store.load('app/c'))?.record, bytes(30));
      });

      it('applies writes of one batch in order', async () => {
        const outcomes = await store.commit([write('app/a', 0, bytes(1)), write('app/a', 1, bytes(2)), write('app/a', 1, bytes(3))]);
        expect(outcomes).toEqual(['committed', 'committed', 'conflict']);
        const loaded = await store.load('app/a');
        expect(loaded?.version).toBe(2);
        expectBytes(loaded?.record, bytes(2));
      });
    });

    // DESIGN §6: a write made on top of a refused one never lands, even when its expected
    // version happens to match one another writer made.
    describe('write fence', () => {
      it('refuses every later write of a key after its conflict, unapplied, until the key is loaded', async () => {
        await create('app/a', bytes(1));
        expect(await store.commit([write('app/a', 0, bytes(9))])).toEqual(['conflict']);
        // Expects version 1, which the store holds: still refused.
        expect(await store.commit([write('app/a', 1, bytes(2))])).toEqual(['conflict']);
        expect(await store.commit([write('app/a', 1, bytes(3))])).toEqual(['conflict']);
        const loaded = await store.load('app/a');
        expect(loaded?.version).toBe(1);
        expectBytes(loaded?.record, bytes(1));
        expect(await store.commit([write('app/a', 1, bytes(4))])).toEqual(['committed']);
        expectBytes((await store.load('app/a'))?.record, bytes(4));
      });

      it('refuses the rest of a batch after a conflict of its key: a pipelined write does not pass on another writer’s version', async () => {
        await create('app/a', bytes(1));
        // Another writer made version 2; this writer, still at 1, sends its write and the next one on top.
        expect(await store.commit([write('app/a', 1, bytes(20))])).toEqual(['committed']);
        expect(await store.commit([write('app/a', 1, bytes(11)), write('app/a', 2, bytes(12))])).toEqual(['conflict', 'conflict']);
        const loaded = await store.load('app/a');
        expect(loaded?.version).toBe(2);
        expectBytes(loaded?.record, bytes(20));
      });

      it('fences only the key that conflicted', async () => {
        await store.commit([write('app/a', 0, bytes(1)), write('app/b', 0, bytes(1))]);
        expect(await store.commit([write('app/a', 5), write('app/b', 1, bytes(2))])).toEqual(['conflict', 'committed']);
        expect(await store.commit([write('app/b', 2, bytes(3)), write('app/a', 1), write('app/c', 0)])).toEqual(['committed', 'conflict', 'committed']);
      });

      it('is lifted by a load that finds the key missing', async () => {
        expect(await store.commit([write('app/ghost', 2)])).toEqual(['conflict']);
        expect(await store.commit([write('app/ghost', 0)])).toEqual(['conflict']);
        expect(await store.load('app/ghost')).toBeUndefined();
        expect(await store.commit([write('app/ghost', 0)])).toEqual(['committed']);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        await store.commit(['toaster/2', 'hello/1', 'toaster/10', 'toaster/1', 'a_b/1', 'axb/1'].map((key) => write(key, 0)));
      });

      it('lists every key, sorted', async () => {
        expect(await store.list()).toEqual(['a_b/1', 'axb/1', 'hello/1', 'toaster/1', 'toaster/10', 'toaster/2']);
      });

      it('lists the keys under a prefix, sorted', async () => {
        expect(await store.list('toaster/')).toEqual(['toaster/1', 'toaster/10', 'toaster/2']);
        expect(await store.list('nobody/')).toEqual([]);
      });

      it('treats the prefix literally (no wildcards)', async () => {
        expect(await store.list('a_b/')).toEqual(['a_b/1']);
        expect(await store.list('%')).toEqual([]);
      });
    });

    describe('listWaking', () => {
      it('lists keys whose wake time is at or before the time, ignoring null', async () => {
        await store.commit([write('app/early', 0, bytes(1), 100), write('app/late', 0, bytes(1), 200), write('app/never', 0)]);
        expect(await store.listWaking(99)).toEqual([]);
        expect(await store.listWaking(150)).toEqual(['app/early']);
        expect(await store.listWaking(200)).toEqual(['app/early', 'app/late']);
        expect(await store.listWaking(Number.MAX_SAFE_INTEGER)).toEqual(['app/early', 'app/late']);
      });

      it('follows the wake time of the latest commit', async () => {
        await create('app/a', bytes(1), 100);
        await store.commit([write('app/a', 1, bytes(2), null)]);
        expect(await store.listWaking(1000)).toEqual([]);
        await store.commit([write('app/a', 2, bytes(3), 500)]);
        expect(await store.listWaking(1000)).toEqual(['app/a']);
      });
    });

    describe('remove', () => {
      it('removes a key without a version check', async () => {
        await create('app/a');
        expect(await store.remove('app/a')).toBe(true);
        expect(await store.load('app/a')).toBeUndefined();
        expect(await store.list()).toEqual([]);
      });

      it('answers false for a missing key', async () => {
        expect(await store.remove('app/missing')).toBe(false);
        expect(await store.remove('app/missing', 1)).toBe(false);
      });

      it('removes only at the expected version', async () => {
        await create('app/a', bytes(1), 100);
        expect(await store.remove('app/a', 2)).toBe(false);
        expect((await store.load('app/a'))?.version).toBe(1);
        expect(await store.remove('app/a', 1)).toBe(true);
        expect(await store.listWaking(1000)).toEqual([]);
      });

      it('lets a removed key be created again at version 1', async () => {
        await create('app/a', bytes(1));
        await store.remove('app/a');
        await create('app/a', bytes(2));
        expect((await store.load('app/a'))?.version).toBe(1);
      });
    });

    describe('close', () => {
      it('makes every later call reject, and can be called twice', async () => {
        await create('app/a');
        await store.close();
        await store.close();
        await expect(store.load('app/a')).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
        await expect(store.commit([write('app/b', 0)])).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
        await expect(store.list()).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
        await expect(store.listWaking(0)).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
        await expect(store.remove('app/a')).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
      });
    });

    describe('size', () => {
      it('round-trips a 1 MiB record', async () => {
        const record = new Uint8Array(randomBytes(1024 * 1024));
        await create('app/big', record);
        expectBytes((await store.load('app/big'))?.record, record);
      });

      it('commits a batch of 500 writes', async () => {
        const writes = Array.from({ length: 500 }, (_, i) => write(`bulk/${String(i).padStart(3, '0')}`, 0, bytes(i % 256, i >> 8)));
        expect(await store.commit(writes)).toEqual(Array(500).fill('committed'));
        expect(await store.list('bulk/')).toHaveLength(500);
        expectBytes((await store.load('bulk/321'))?.record, bytes(321 % 256, 1));
      });
    });
  });
}
