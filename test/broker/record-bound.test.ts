import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SteadBroker } from '../../broker/index.js';
import { decodeRecord } from '../../broker/record/record-codec.js';
import { connectDevice, type Device } from '../../device/index.js';
import { decodeValue } from '../../shared/wire/codec.js';
import notes from '../helpers/apps/notes-app.js';
import { startBroker } from '../helpers/broker.js';

const MAX_RECORD = 512 * 1024;
const PAYLOAD = 'x'.repeat(60_000);

/**
 * DESIGN §6: a record has a bound (limits.maxRecordBytes, docs/stores.md). A proxy notifies a
 * session whose device stays away; each notification (60 KB) joins that session's queue, and the
 * record is written whole on every commit. Past the bound the call that would grow it fails with
 * RECORD_TOO_LARGE and nothing of it is kept — the stored record stays within the bound — and the
 * app still makes progress: once the device comes and acknowledges, the queue shrinks and the
 * next notification commits. A real broker on a SQLite file; real devices.
 */
describe('a record grown by a queue nobody reads', () => {
  let dir: string;
  let broker: SteadBroker | null = null;
  const devices: Device[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-record-bound-'));
    broker = await startBroker({
      apps: [notes],
      store: await openStore(`sqlite:${join(dir, 'stead.db')}`),
      limits: { maxRecordBytes: MAX_RECORD, maxStateBytes: 64 * 1024 },
    });
  });

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await broker?.close();
    broker = null;
    await rm(dir, { recursive: true, force: true });
  });

  async function device(): Promise<Device> {
    const d = await connectDevice({ url: (broker as SteadBroker).url, session: { deadlineMs: 20_000 } });
    devices.push(d);
    return d;
  }

  it('stops at the bound with RECORD_TOO_LARGE, keeps nothing of the refused call, and moves again after acks', async () => {
    const control = (await device()).session('notes/n', 'control');
    let sent = 0;
    let refusal: unknown = null;
    while (refusal === null && sent < 20) {
      await control.call('send', [PAYLOAD], 'away').then(() => sent++, (error: unknown) => (refusal = error));
    }
    expect(refusal).toMatchObject({ code: 'STEAD_E_RECORD_TOO_LARGE' });
    // Every notification of a call that returned is queued; none of the refused one is.
    expect(await control.call('queued', 'away')).toBe(sent);
    // What still fits under the bound is taken: only growth past it is refused.
    await control.call('send', ['small'], 'away');
    sent++;

    // The device of the session comes, takes the queue and acknowledges it: the record shrinks.
    const away = (await device()).session('notes/n', 'away');
    let received = 0;
    away.onNotify(() => void received++);
    await expect.poll(() => received, { timeout: 10_000 }).toBe(sent);
    await expect.poll(() => control.call('queued', 'away'), { timeout: 10_000 }).toBe(0);
    await control.call('send', [PAYLOAD], 'away');
    await expect.poll(() => received, { timeout: 10_000 }).toBe(sent + 1);

    await Promise.all(devices.splice(0).map((d) => d.close()));
    await broker?.close();
    broker = null;
    const store = await openStore(`sqlite:${join(dir, 'stead.db')}`);
    try {
      const stored = await store.load('notes/n');
      expect(stored?.record.length).toBeLessThanOrEqual(MAX_RECORD);
      expect(decodeValue(decodeRecord(stored?.record ?? new Uint8Array()).stateBytes)).toEqual({ sent: sent + 1 });
    } finally {
      await store.close();
    }
  });
});
