import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../shared/atomic-write.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-atomic-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces a file whole, leaves no temporary file beside it, and keeps it to its owner', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, 'old bytes, longer than the new ones');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['state.json']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('writes bytes, and many writers of one file at once leave one of their contents', async () => {
    const path = join(dir, 'journal.cbor');
    const contents = Array.from({ length: 20 }, (_, i) => Uint8Array.from({ length: 1000 + i }, () => i));
    await Promise.all(contents.map((bytes) => writeFileAtomic(path, bytes)));
    const written = new Uint8Array(await readFile(path));
    expect(contents.some((bytes) => Buffer.compare(bytes, written) === 0)).toBe(true);
    expect(await readdir(dir)).toEqual(['journal.cbor']);
  });

  it('fails when the folder does not exist, and creates nothing', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'file'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });
});
