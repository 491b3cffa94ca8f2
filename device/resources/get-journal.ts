import { createHash } from 'node:crypto';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import { NONCE_BYTES } from '../../shared/wire/frames.js';
import { lockJournalFile, readJournalEntry } from '../call-once/journal.js';
import { writeFileAtomic } from '../../shared/atomic-write.js';

/** A `stead session get` that was sent and not answered yet: the request to send again. */
export interface GetEntry {
  /** The request ref, as hex. */
  readonly ref: string;
  /** The channel session it went out on (the proxy keeps its answer by ref and channel). */
  readonly channel: string;
}

/**
 * The journal of `stead session get` (docs/cli.md): a get consumes a once-only value, so a run
 * killed after the proxy answered and before the answer was printed would lose the value. The
 * request is written down (atomically) before it is sent; the same command again sends the very
 * same request, which the proxy answers from the answer it kept (DESIGN §6); an answer removes
 * the entry. One JSON file per topic root and address, beside `stead call`'s entries: not per
 * broker URL as typed, which a rerun may spell another way (journal.ts, JournalKey).
 */
export class GetJournal {
  readonly dir: string;
  readonly path: string;

  constructor(dir: string, root: string, address: string) {
    this.dir = dir;
    const hash = createHash('sha256').update(JSON.stringify(['session get', root, address])).digest('hex');
    this.path = join(dir, `get-${hash.slice(0, 32)}.json`);
  }

  /**
   * One run at a time takes up the entry: two runs sending the same request would both get its
   * kept answer, and a once-only value would be printed twice. CALL_IN_PROGRESS while another
   * live run holds it; a killed run's lock is broken (journal.ts).
   */
  lock(): Promise<() => Promise<void>> {
    return lockJournalFile(this.dir, this.path, 'stead session get of this address');
  }

  read(): Promise<GetEntry | null> {
    return readJournalEntry(this.path, 'session journal', isEntry);
  }

  async write(entry: GetEntry): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.path, `${JSON.stringify(entry)}\n`);
    } catch (error) {
      throw new SteadError('JOURNAL', `cannot write the session journal ${this.path}`, { cause: error });
    }
  }

  async remove(): Promise<void> {
    await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw new SteadError('JOURNAL', `cannot remove the session journal ${this.path}`, { cause: error });
    });
  }
}

/** A new entry: a random ref and a channel of its own. */
export function newGetEntry(nonce: () => Uint8Array): GetEntry {
  return { ref: toHex(nonce()), channel: `r-${toHex(nonce())}` };
}

function isEntry(value: unknown): value is GetEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { ref, channel } = value as Record<string, unknown>;
  return typeof ref === 'string' && new RegExp(`^[0-9a-f]{${NONCE_BYTES * 2}}$`).test(ref) && typeof channel === 'string' && /^r-[0-9a-f]{1,62}$/.test(channel);
}
