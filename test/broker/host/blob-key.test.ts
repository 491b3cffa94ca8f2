import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { resolveBlobSeal } from '../../../broker/host/blob-key.js';
import { blobCounter } from '../../helpers/apps/blob-counter.js';
import { it, test } from '../../helpers/fixtures.js';
import { runStead } from '../../helpers/processes.js';

describe('the broker’s blob key (docs/sessions.md)', () => {
  let dir: string;
  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });

  it('`stead blob-key new <file>` writes 32 random bytes, owner-only, and never overwrites', async () => {
    const file = join(dir, 'blob.key');
    expect((await runStead(['blob-key', 'new', file])).code).toBe(0);
    expect((await readFile(file)).length).toBe(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await runStead(['blob-key', 'new', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('STEAD_E_BAD_OPTIONS');
  });

  it('takes raw bytes, a file of raw or base64 bytes, or base64; anything else is BAD_OPTIONS', async () => {
    const key = new Uint8Array(32).fill(3);
    const raw = join(dir, 'raw.key');
    const text = join(dir, 'text.key');
    await writeFile(raw, key);
    await writeFile(text, `${Buffer.from(key).toString('base64')}\n`);
    const apps = [blobCounter()];
    for (const option of [key, raw, text, Buffer.from(key).toString('base64')]) expect(resolveBlobSeal(option, apps)).not.toBeNull();
    for (const bad of [new Uint8Array(31), 'c2hvcnQ=', join(dir, 'missing.key')]) {
      expect(() => resolveBlobSeal(bad, apps)).toThrow(expect.objectContaining({ code: 'STEAD_E_BAD_OPTIONS' }));
    }
    expect(resolveBlobSeal(undefined, [])).toBeNull();
  });
});
