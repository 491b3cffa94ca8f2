import { SteadError } from '../../../shared/errors.js';
import type { ProxyWrite, Store, StoredProxy, WriteOutcome } from '../types.js';
import { WriteFence } from '../write-fence.js';

interface Entry extends StoredProxy {
  wakeAt: number | null;
}

/** `memory:` — tests and throwaway runs. Copies bytes in and out (Buffer#slice would share them). */
export function createMemoryStore(): Store {
  const entries = new Map<string, Entry>();
  const fence = new WriteFence();
  let closed = false;
  const open = (): void => {
    if (closed) throw new SteadError('CLOSED', 'store is closed');
  };
  return {
    url: 'memory:',
    inline: true,
    async load(key) {
      open();
      fence.lift(key);
      const entry = entries.get(key);
      return entry && { version: entry.version, record: new Uint8Array(entry.record) };
    },
    async commit(writes: readonly ProxyWrite[]): Promise<WriteOutcome[]> {
      open();
      return fence.apply(writes, (write) => {
        const current = entries.get(write.key)?.version ?? 0;
        if (current !== write.expectVersion) return 'conflict';
        entries.set(write.key, { version: current + 1, record: new Uint8Array(write.record), wakeAt: write.wakeAt });
        return 'committed';
      });
    },
    async list(prefix = '') {
      open();
      return [...entries.keys()].filter((key) => key.startsWith(prefix)).sort();
    },
    async listWaking(time) {
      open();
      return [...entries].filter(([, e]) => e.wakeAt !== null && e.wakeAt <= time).map(([key]) => key).sort();
    },
    async remove(key, expectVersion) {
      open();
      const entry = entries.get(key);
      if (!entry || (expectVersion !== undefined && entry.version !== expectVersion)) return false;
      return entries.delete(key);
    },
    async close() {
      closed = true;
    },
  };
}
