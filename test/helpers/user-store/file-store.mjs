// A store backend as a Stead user would write one, in plain JavaScript in their own project:
// one file per proxy in a folder, each written atomically (temp file + rename). Loaded by
// `store.modules` in stead.json, it registers the `filestore:` scheme; `filestore:./data`
// keeps its files in `data/` beside the config file. Options: `{ "fsync": false }` skips the
// fsync of each write (tests); any other option is refused (checkOptions).
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { checkOptions, registerStore, SteadError } from 'stead/broker';

registerStore('filestore', async (url, options, { baseDir }) => {
  checkOptions(options, ['fsync']);
  const path = url.slice('filestore:'.length) || './stead-files';
  return createFileStore(isAbsolute(path) ? path : resolve(baseDir, path), { fsync: options.fsync !== false });
});

/** A key `app/id` as a file name; the name sorts like the key for the characters names use. */
const fileOf = (key) => `${encodeURIComponent(key)}.json`;
const keyOf = (file) => decodeURIComponent(file.slice(0, -'.json'.length));

export async function createFileStore(dir, { fsync = true } = {}) {
  await mkdir(dir, { recursive: true });
  let closed = false;
  let tempCount = 0;
  const live = () => {
    if (closed) throw new SteadError('CLOSED', `store filestore:${dir} is closed`);
  };
  const read = async (key) => {
    try {
      const { version, wakeAt, record } = JSON.parse(await readFile(join(dir, fileOf(key)), 'utf8'));
      return { version, wakeAt, record: new Uint8Array(Buffer.from(record, 'base64')) };
    } catch (error) {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const put = async (key, entry) => {
    const temp = join(dir, `.tmp-${process.pid}-${tempCount++}`);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(JSON.stringify({ ...entry, record: Buffer.from(entry.record).toString('base64') }));
      if (fsync) await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, join(dir, fileOf(key)));
  };
  const keys = async () => (await readdir(dir)).filter((f) => f.endsWith('.json')).map(keyOf).sort();
  // The write fence (docs/stores.md): a key whose write conflicted or failed takes no write
  // until it is loaded again.
  const fenced = new Set();

  return {
    url: `filestore:${dir}`,
    async load(key) {
      live();
      const entry = await read(key);
      fenced.delete(key);
      return entry && { version: entry.version, record: entry.record };
    },
    async commit(writes) {
      live();
      const outcomes = [];
      try {
        for (const write of writes) {
          const current = fenced.has(write.key) ? null : ((await read(write.key))?.version ?? 0);
          if (current !== write.expectVersion) {
            fenced.add(write.key);
            outcomes.push('conflict');
            continue;
          }
          await put(write.key, { version: current + 1, wakeAt: write.wakeAt, record: write.record });
          outcomes.push('committed');
        }
      } catch (error) {
        for (const write of writes) fenced.add(write.key);
        throw error;
      }
      return outcomes;
    },
    async list(prefix = '') {
      live();
      return (await keys()).filter((key) => key.startsWith(prefix));
    },
    async listWaking(time) {
      live();
      const due = [];
      for (const key of await keys()) {
        const wakeAt = (await read(key))?.wakeAt;
        if (wakeAt !== null && wakeAt !== undefined && wakeAt <= time) due.push(key);
      }
      return due;
    },
    async remove(key, expectVersion) {
      live();
      const entry = await read(key);
      if (!entry || (expectVersion !== undefined && entry.version !== expectVersion)) return false;
      await rm(join(dir, fileOf(key)));
      return true;
    },
    async close() {
      closed = true;
    },
  };
}
