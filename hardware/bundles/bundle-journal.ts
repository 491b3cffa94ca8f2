import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.js';
import { parseBundle, parseBundleReport, type Bundle, type BundleReport, type CommandOutcome } from '../../shared/bundle.js';
import { SteadError } from '../../shared/errors.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';

/** A command's place in a running bundle: waiting, started (not known to be over), or its outcome. */
export type Step = { status: 'pending'; due: number } | { status: 'running'; due: number; ranAt: number } | CommandOutcome;

/** The bundle being executed: commands in run order (by `after`, ties as given). */
export interface Running {
  bundle: Bundle;
  receivedAt: number;
  steps: Step[];
}

/** What the executor keeps in its data folder, replaced whole on every change. */
export interface Journal {
  version: 1;
  current: Running | null;
  /** Reports produced and not yet acknowledged by the agent (sent to the proxy again after a restart). */
  outbox: BundleReport[];
  /** Ids of the latest bundles, newest last: a bundle delivered again is not run again. */
  seen: string[];
}

export const JOURNAL_FILE = 'bundles.cbor';
export const emptyJournal = (): Journal => ({ version: 1, current: null, outbox: [], seen: [] });

const corrupt = (path: string, cause?: unknown): SteadError =>
  new SteadError('BUNDLE_STORE', `${path} is not a bundle journal`, { cause, data: { path } });

export async function loadJournal(dataDir: string): Promise<Journal> {
  const path = join(dataDir, JOURNAL_FILE);
  let bytes: Buffer | null;
  try {
    bytes = await readIfExists(path);
  } catch (cause) {
    throw new SteadError('BUNDLE_STORE', `could not read ${path}`, { cause, data: { path } });
  }
  if (bytes === null) return emptyJournal();
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch (cause) {
    throw corrupt(path, cause);
  }
  return checkJournal(path, value);
}

export async function saveJournal(dataDir: string, journal: Journal): Promise<void> {
  const path = join(dataDir, JOURNAL_FILE);
  try {
    await writeFileAtomic(path, encodeValue(journal));
  } catch (cause) {
    throw new SteadError('BUNDLE_STORE', `could not write ${path}`, { cause, data: { path } });
  }
}

function checkJournal(path: string, value: unknown): Journal {
  const journal = value as Journal;
  if (typeof value !== 'object' || value === null || journal.version !== 1 || !Array.isArray(journal.outbox) || !Array.isArray(journal.seen)) {
    throw corrupt(path);
  }
  try {
    journal.outbox.forEach(parseBundleReport);
    if (journal.current !== null) {
      parseBundle(journal.current.bundle);
      if (!Array.isArray(journal.current.steps) || journal.current.steps.length !== journal.current.bundle.commands.length) throw corrupt(path);
    }
  } catch (cause) {
    throw corrupt(path, cause);
  }
  return journal;
}

/** The file's bytes, or null when there is none. */
async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
