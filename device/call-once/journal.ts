import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { SteadError } from '../../shared/errors.js';

/** Where a call of one session was, between its send and its end. */
export interface JournalEntry {
  readonly version: 1;
  readonly broker: string;
  readonly root: string;
  readonly proxy: string;
  readonly session: string;
  readonly method: string;
  /** The arguments as CBOR, base64: compared byte for byte with a rerun's. */
  readonly args: string;
  /** The instance nonce, hex. */
  readonly nonce: string;
  readonly seq: number;
  readonly sentAt: string;
  /** Set once the proxy answered: the end is all that may still be due. */
  readonly answer?: JournalAnswer;
}

/** The proxy's answer: the value as CBOR base64, or the error it sent. */
export type JournalAnswer = { readonly value: string } | { readonly error: { readonly code: string; readonly message: string } };

/** The session a journal file belongs to. */
export interface JournalKey {
  readonly broker: string;
  readonly root: string;
  readonly proxy: string;
  readonly session: string;
}

/** `--journal`, else `$STEAD_STATE_DIR/journal`, else `~/.stead/journal`. */
export function defaultJournalDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.STEAD_STATE_DIR || join(homedir(), '.stead'), 'journal');
}

/**
 * One JSON file per broker, proxy and session (issue 6, hole 8). Every write goes to a temp
 * file that is synced, renamed over the journal and followed by a sync of the folder, so after
 * a crash the file holds either the old entry or the new one, and a call is never sent before
 * its entry is on disk.
 */
export class CallJournal {
  readonly dir: string;
  readonly path: string;

  constructor(dir: string, key: JournalKey) {
    this.dir = dir;
    const hash = createHash('sha256').update(JSON.stringify([key.broker, key.root, key.proxy, key.session])).digest('hex');
    this.path = join(dir, `${key.proxy.replace('/', '+')}+${key.session}-${hash.slice(0, 16)}.json`);
  }

  /**
   * Takes the session's lock: a file made with O_EXCL naming this process. A lock whose process
   * is gone (killed, or stopped with Ctrl-C) is taken over. Resolves with the release.
   */
  async lock(): Promise<() => Promise<void>> {
    const path = `${this.path}.lock`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new SteadError('JOURNAL', `cannot make the journal folder ${this.dir}`, { cause: error });
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const file = await open(path, 'wx', 0o600);
        try {
          await file.writeFile(JSON.stringify({ pid: process.pid, host: hostname() }));
        } finally {
          await file.close();
        }
        return () => unlink(path).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SteadError('JOURNAL', `cannot lock the call journal ${path}`, { cause: error });
      }
      const holder = await readHolder(path);
      if (holder && (holder.host !== hostname() || isAlive(holder.pid))) {
        throw new SteadError('CALL_IN_PROGRESS', `another stead call of this session is running (pid ${holder.pid} on ${holder.host})`);
      }
      // Its process is gone: the lock is stale.
      await unlink(path).catch(() => undefined);
    }
    throw new SteadError('CALL_IN_PROGRESS', `another stead call of this session took the lock ${path} first`);
  }

  async read(): Promise<JournalEntry | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SteadError('JOURNAL', `cannot read the call journal ${this.path}`, { cause: error });
    }
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch (error) {
      throw new SteadError('JOURNAL', `the call journal ${this.path} is not JSON`, { cause: error });
    }
    if (!isEntry(entry)) throw new SteadError('JOURNAL', `the call journal ${this.path} is not a journal entry`);
    return entry;
  }

  async write(entry: JournalEntry): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const temp = `${this.path}.${process.pid}.tmp`;
      const file = await open(temp, 'w', 0o600);
      try {
        await file.writeFile(`${JSON.stringify(entry, null, 2)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, this.path);
      await this.#syncDir();
    } catch (error) {
      throw new SteadError('JOURNAL', `cannot write the call journal ${this.path}`, { cause: error });
    }
  }

  async remove(): Promise<void> {
    try {
      await unlink(this.path);
      await this.#syncDir();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new SteadError('JOURNAL', `cannot remove the call journal ${this.path}`, { cause: error });
    }
  }

  /** A rename or unlink is durable only once the folder itself is synced. */
  async #syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

async function readHolder(path: string): Promise<{ pid: number; host: string } | null> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? { pid: holder.pid, host: holder.host } : null;
  } catch {
    // Being written this instant (held), or left half-written by a process that died (stale).
    const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => Infinity);
    return age < 5000 ? { pid: -1, host: hostname() } : null;
  }
}

function isAlive(pid: number): boolean {
  if (pid < 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  const strings = ['broker', 'root', 'proxy', 'session', 'method', 'args', 'nonce', 'sentAt'];
  return (
    entry.version === 1 &&
    strings.every((field) => typeof entry[field] === 'string') &&
    typeof entry.seq === 'number' &&
    Number.isSafeInteger(entry.seq) &&
    entry.seq >= 1 &&
    /^([0-9a-f]{2})+$/.test(entry.nonce as string) &&
    (entry.answer === undefined || isAnswer(entry.answer))
  );
}

function isAnswer(value: unknown): value is JournalAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const answer = value as Record<string, unknown>;
  if (typeof answer.value === 'string') return true;
  const error = answer.error as Record<string, unknown> | undefined;
  return typeof error === 'object' && error !== null && typeof error.code === 'string' && typeof error.message === 'string';
}
