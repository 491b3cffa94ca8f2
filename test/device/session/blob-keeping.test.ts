import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobKeeping } from '../../../device/session/blob-keeping.js';
import { SteadError } from '../../../shared/errors.js';
import { decodeFrame } from '../../../shared/wire/codec.js';
import { Kind, type BlobFrame } from '../../../shared/wire/frames.js';

/** The device's kept blob (DESIGN §7): never deleted, only replaced by a newer one; a marker kept beside it. */
describe('a kept blob', () => {
  let dir: string;
  let ref = 0;
  const random = { nonce: () => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, ++ref) } as never;
  const blob = (n: number): BlobFrame => ({ kind: Kind.blob, ref: null, blob: Uint8Array.of(n, n, n) });
  const marker = (n: number): BlobFrame => ({ kind: Kind.blob, ref: null, blob: null, marker: Uint8Array.of(n) });
  const file = (ext: string): Promise<Buffer> => readFile(join(dir, `counter~a~main.${ext}`));
  const presented = (keeping: BlobKeeping) => decodeFrame(keeping.request(random)) as BlobFrame;
  const list = (bytes: Uint8Array | null | undefined) => (bytes ? [...bytes] : bytes);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-blob-keeping-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['BLOB_STALE', 'BLOB_CONFLICT', 'BLOB_TAMPERED', 'BLOB_EXPIRED', 'BLOB_FOREIGN'] as const)('survives a refusal (%s): kept in memory and on disk, the refusal in blobOutcome', async (code) => {
    const keeping = new BlobKeeping(dir, 'counter/a', 'main');
    keeping.receive(blob(1));
    await keeping.flushed();
    const request = presented(keeping);
    expect(keeping.refused(request.ref, new SteadError(code, 'refused'))).toBe(true);
    await keeping.flushed();
    expect(keeping.last).toMatchObject({ status: 'refused', error: { code: `STEAD_E_${code}` } });
    expect(keeping.blob).toEqual(Uint8Array.of(1, 1, 1));
    expect([...(await file('blob'))]).toEqual([1, 1, 1]);
    expect(list(presented(keeping).blob)).toEqual([1, 1, 1]);
  });

  it('BLOB_PARTIAL is a partial restore, not a refusal', () => {
    const keeping = new BlobKeeping(dir, 'counter/a', 'main');
    const request = presented(keeping);
    keeping.refused(request.ref, new SteadError('BLOB_PARTIAL', 'partial'));
    expect(keeping.last?.status).toBe('partial');
  });

  it('a marker is kept beside the older blob and presented with it, across a restart; a newer blob clears it', async () => {
    const keeping = new BlobKeeping(dir, 'counter/a', 'main');
    keeping.receive(blob(1));
    keeping.receive(marker(5));
    await keeping.flushed();
    expect([...(await file('marker'))]).toEqual([5]);
    const again = new BlobKeeping(dir, 'counter/a', 'main');
    const both = presented(again);
    expect([list(both.blob), list(both.marker)]).toEqual([[1, 1, 1], [5]]);
    again.receive(blob(2));
    await again.flushed();
    expect(presented(again).marker).toBeUndefined();
    await expect(file('marker')).rejects.toMatchObject({ code: 'ENOENT' });
    expect([...(await file('blob'))]).toEqual([2, 2, 2]);
  });

  it('only the answer to the last request counts', () => {
    const keeping = new BlobKeeping(dir, 'counter/a', 'main');
    const first = presented(keeping);
    presented(keeping);
    expect(keeping.refused(first.ref, new SteadError('BLOB_STALE', 'old'))).toBe(false);
    expect(keeping.last).toBeNull();
  });
});
