import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { syncFolder, writeFileAtomic } from '../../shared/atomic-write.js';
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

/**
 * The session a journal file belongs to: what names it to the broker (topic root, proxy,
 * session), not how this run reached the broker. The broker URL as typed is no part of it:
 * `localhost` and `127.0.0.1`, or a DNS name, reach one broker, and a rerun spelled another way
 * must find the entry. (Brokers report no identity of their own to add.)
 */
export interface JournalKey {
  readonly root: string;
  readonly proxy: string;
  readonly session: string;
}

/** `--journal`, else `$STEAD_STATE_DIR/journal`, else `~/.stead/journal`. */
export function defaultJournalDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.STEAD_STATE_DIR || join(homedir(), '.stead'), 'journal');
}

/**
 * One JSON file per topic root, proxy and session (JournalKey). Every write goes to a temp
 * file that is synced, renamed over the journal and followed by a sync of the folder, so after
 * a crash the file holds either the old entry or the new one, and a call is never sent before
 * its entry is on disk.
 */
export class CallJournal {
  readonly dir: string;
  readonly path: string;

  constructor(dir: string, key: JournalKey) {
    this.dir = dir;
    const hash = createHash('sha256').update(JSON.stringify([key.root, key.proxy, key.session])).digest('hex');
    this.path = join(dir, `${key.proxy.replace('/', '+')}+${key.session}-${hash.slice(0, 16)}.json`);
  }

  /**
   * Takes the session's lock: a file made with O_EXCL naming this process (pid, host, and the
   * process's start time where /proc tells it, so a pid reused after a reboot is not taken for
   * the holder). A lock whose process is gone (killed, or stopped with Ctrl-C) is broken, by one
   * process at a time: breaking takes a second O_EXCL file first, so two runs that find the same
   * stale lock cannot both remove it and both go on. Resolves with the release.
   */
  async lock(): Promise<() => Promise<void>> {
    return lockJournalFile(this.dir, this.path, 'stead call of this session');
  }

  read(): Promise<JournalEntry | null> {
    return readJournalEntry(this.path, 'call journal', isEntry);
  }

  async write(entry: JournalEntry): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.path, `${JSON.stringify(entry, null, 2)}\n`);
    } catch (error) {
      throw new SteadError('JOURNAL', `cannot write the call journal ${this.path}`, { cause: error });
    }
  }

  async remove(): Promise<void> {
    try {
      await unlink(this.path);
      await syncFolder(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new SteadError('JOURNAL', `cannot remove the call journal ${this.path}`, { cause: error });
    }
  }
}

interface Holder {
  pid: number;
  host: string;
  /** The process's start time (clock ticks since boot, from /proc), or null where unknown. */
  start: string | null;
  /** Random per lock file: tells one lock from the next one. */
  token: string;
  /** When the lock file was last written (ms since the epoch). */
  writtenAt: number;
}

/** An unreadable lock, or a breaker, older than this was left by a process that died writing it. */
const STALE_MS = 5000;

/** Creates `path` with O_EXCL holding this process's details; false if it exists (and is fresh). */
async function createExclusive(path: string, staleAfterMs = Infinity): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      try {
        const holder = { pid: process.pid, host: hostname(), start: processStart(process.pid), token: randomUUID() };
        await file.writeFile(JSON.stringify(holder));
        await file.sync();
      } finally {
        await file.close();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SteadError('JOURNAL', `cannot lock the call journal (${path})`, { cause: error });
    }
    const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (age < staleAfterMs) return false;
    await unlink(path).catch(() => undefined);
  }
  return false;
}

async function readHolder(path: string): Promise<Holder | null> {
  const writtenAt = await stat(path).then((info) => info.mtimeMs, () => 0);
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    if (typeof holder.pid !== 'number' || typeof holder.host !== 'string') throw new Error('not a lock');
    const start = typeof holder.start === 'string' ? holder.start : null;
    return { pid: holder.pid, host: holder.host, start, token: String(holder.token), writtenAt };
  } catch {
    // Being written this instant (held), or left half-written by a process that died (stale).
    return Date.now() - writtenAt < STALE_MS ? { pid: -1, host: hostname(), start: null, token: 'unreadable', writtenAt } : null;
  }
}

/** Whether the lock's process still runs: on another host, assume so; here, the same pid and start. */
function isRunning(holder: Holder): boolean {
  if (holder.host !== hostname() || holder.pid < 0) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A pid reused by a process started later (after a reboot, say) is not the holder.
  if (holder.start !== null) return processStart(holder.pid) === holder.start;
  const started = processStartMs(holder.pid);
  return started === null || started <= holder.writtenAt + 1000;
}

/** When a process started (ms since the epoch), from /proc; null where unknown. */
function processStartMs(pid: number): number | null {
  const ticks = Number(processStart(pid));
  try {
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    // Linux counts start times in USER_HZ, 100 per second on every platform it runs on.
    return boot && Number.isFinite(ticks) ? Number(boot[1]) * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

/** A process's start time in clock ticks since boot (/proc/<pid>/stat, field 22), or null. */
function processStart(pid: number): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line.slice(line.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * The lock of a journal file (CallJournal.lock, and `stead session get`'s journal): one run at a
 * time may take up an entry.
 */
/**
 * A journal file's entry, or null when there is none; JOURNAL when it cannot be read, is not
 * JSON or is not an entry (`what` names the journal in the message). Shared by the call journal
 * and `stead session get`'s journal.
 */
export async function readJournalEntry<T>(path: string, what: string, isEntry: (value: unknown) => value is T): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SteadError('JOURNAL', `cannot read the ${what} ${path}`, { cause: error });
  }
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch (error) {
    throw new SteadError('JOURNAL', `the ${what} ${path} is not JSON`, { cause: error });
  }
  if (!isEntry(entry)) throw new SteadError('JOURNAL', `the ${what} ${path} is not a journal entry`);
  return entry;
}

export async function lockJournalFile(dir: string, journalPath: string, what: string): Promise<() => Promise<void>> {
  const path = `${journalPath}.lock`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new SteadError('JOURNAL', `cannot make the journal folder ${dir}`, { cause: error });
  }
  const release = (): Promise<void> => unlink(path).catch(() => undefined);
  if (await createExclusive(path)) return release;
  const holder = await readHolder(path);
  if (holder && isRunning(holder)) throw inProgress(holder, what);
  // Stale: break it, one breaker at a time; whoever does not get the breaker was not first.
  const breaker = `${path}.break`;
  if (!(await createExclusive(breaker, STALE_MS))) throw inProgress(holder, what);
  try {
    // Still the same stale lock? Another run may have broken it and taken a new one meanwhile.
    const again = await readHolder(path);
    if (again && (isRunning(again) || again.token !== holder?.token)) throw inProgress(again, what);
    await unlink(path).catch(() => undefined);
    if (!(await createExclusive(path))) throw inProgress(await readHolder(path), what);
    return release;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

function inProgress(holder: Holder | null, what: string): SteadError {
  const who = holder && holder.pid >= 0 ? ` (pid ${holder.pid} on ${holder.host})` : '';
  return new SteadError('CALL_IN_PROGRESS', `another ${what} is running${who}`);
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
