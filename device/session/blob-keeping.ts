import { mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesEqual } from '../../shared/bytes.js';
import type { SteadError } from '../../shared/errors.js';
import type { Random } from '../../shared/random.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind, type BlobFrame, type ReplyFrame } from '../../shared/wire/frames.js';
import { writeFileAtomic } from '../../shared/atomic-write.js';

/** What the proxy said of the last blob request: restored, current, kept (no blob), or refused. */
export interface BlobOutcome {
  readonly status: 'restored' | 'current' | 'kept' | 'refused';
  /** The refusal (BLOB_TAMPERED, BLOB_FOREIGN, BLOB_EXPIRED, BLOB_STALE, BLOB_CONFLICT). */
  readonly error: SteadError | null;
}

/**
 * The device's copy of its session's sealed blob (DESIGN §7, §9): the newest the proxy sent, on
 * disk with atomic writes (temp file, fsync, rename), one write at a time and only the newest
 * waiting. Presented to the proxy at every connect and before every begin, so a broker that lost
 * its copy restores from it before the session's requests are handled.
 */
export class BlobKeeping {
  readonly #path: string;
  #blob: Uint8Array | null;
  #ref: Uint8Array | null = null;
  /** The blob the last request presented: a refusal discards it, not a newer one. */
  #presented: Uint8Array | null = null;
  #writing: Promise<void> | null = null;
  #next: Uint8Array | null = null;
  last: BlobOutcome | null = null;

  constructor(dir: string, proxy: string, session: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#path = join(dir, `${proxy.replace('/', '~')}~${session}.blob`);
    this.#blob = readIfThere(this.#path);
  }

  get blob(): Uint8Array | null {
    return this.#blob;
  }

  /** The ref of the last request: its answer, or its refusal, carries it. */
  get requestRef(): Uint8Array | null {
    return this.#ref;
  }

  /** `[9, ref, blob]`: "I keep blobs; restore from this one if you lost yours". */
  request(random: Random): Uint8Array {
    this.#ref = random.nonce();
    this.#presented = this.#blob;
    return encodeFrame({ kind: Kind.blob, ref: this.#ref, blob: this.#blob });
  }

  /** A blob from the proxy: the newest replaces the one kept. */
  receive(frame: BlobFrame): void {
    if (frame.ref !== null || !frame.blob) return;
    this.#blob = frame.blob;
    this.#save(frame.blob);
  }

  /** Whether a reply answers the last request (then it is taken here). */
  answered(frame: ReplyFrame): boolean {
    if (frame.seq !== 0 || !bytesEqual(frame.ref, this.#ref)) return false;
    const status = frame.value === 'restored' || frame.value === 'current' ? frame.value : 'kept';
    this.last = { status, error: null };
    return true;
  }

  /**
   * Whether an error refuses the last request. The refused blob is discarded (a stale one is
   * covered by the proxy's copy, which sends a newer blob with its next commit; a tampered,
   * foreign or expired one can never restore); the session goes on from the proxy's copy.
   */
  refused(ref: Uint8Array | null, error: SteadError): boolean {
    if (!bytesEqual(ref, this.#ref)) return false;
    this.last = { status: 'refused', error };
    if (this.#presented && this.#blob === this.#presented) {
      this.#blob = null;
      this.#next = null;
      void this.#queue(() => rm(this.#path, { force: true }));
    }
    return true;
  }

  /** Resolves once every blob received so far is on disk. */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #save(blob: Uint8Array): void {
    if (this.#writing) {
      this.#next = blob;
      return;
    }
    void this.#queue(() => writeFileAtomic(this.#path, blob));
  }

  #queue(write: () => Promise<void>): Promise<void> {
    const previous = this.#writing ?? Promise.resolve();
    const writing = previous.then(write).catch(() => undefined).then(() => {
      if (this.#writing !== writing) return;
      this.#writing = null;
      const next = this.#next;
      this.#next = null;
      if (next) this.#save(next);
    });
    this.#writing = writing;
    return writing;
  }
}

function readIfThere(path: string): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return null;
  }
}
