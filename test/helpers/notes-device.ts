/**
 * A device as its own process that handles the notifications of one session and records each
 * one's effect on disk, for the notification restart tests (hole 6). Two ways to keep the place:
 * - `app-owned`: the effects and the position (epoch, seq) live in one JSON file, replaced
 *   atomically per notification; the session resumes after the position it holds.
 * - `file-cursor`: effects are appended (and fsynced) to the file; the session keeps the
 *   position in `<file>.cursor` (fileCursor), saved after the handler returns.
 * Usage: node --import tsx notes-device.ts <url> <app/id> <session> <file> <app-owned|file-cursor>
 * Prints `handled <seq>` after each effect is on disk.
 */
import { appendFile, open, readFile } from 'node:fs/promises';
import { connectDevice, fileCursor, writeFileAtomic, type NotificationOptions } from '../../device/index.js';

const [url, proxy, name, file, mode] = process.argv.slice(2);
if (!url || !proxy || !name || !file || (mode !== 'app-owned' && mode !== 'file-cursor')) {
  throw new Error('usage: notes-device.ts <url> <app/id> <session> <file> <app-owned|file-cursor>');
}

interface Journal {
  epoch: string | null;
  seq: number;
  effects: unknown[];
}

async function readJournal(path: string): Promise<Journal> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Journal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { epoch: null, seq: 0, effects: [] };
    throw error;
  }
}

async function appendSynced(path: string, line: string): Promise<void> {
  await appendFile(path, line);
  const handle = await open(path, 'r+');
  await handle.sync();
  await handle.close();
}

// A key when the broker requires one (spawnScript passes the test key as $STEAD_KEY).
const device = await connectDevice({ url, key: process.env.STEAD_KEY, reconnect: { initialMs: 20, maxMs: 200 }, session: { retryMs: 100 } });
const session = device.session(proxy, name);
if (mode === 'app-owned') {
  const journal = await readJournal(file);
  const resumeAfter = journal.epoch === null ? null : { epoch: new Uint8Array(Buffer.from(journal.epoch, 'hex')), seq: journal.seq };
  const options: NotificationOptions = { resumeAfter };
  session.onNotify(async (payload, info) => {
    // The effect and the position it reached, committed together: exactly once.
    journal.effects.push(payload);
    journal.epoch = Buffer.from(info.epoch).toString('hex');
    journal.seq = info.seq;
    await writeFileAtomic(file, JSON.stringify(journal));
    process.stdout.write(`handled ${info.seq}\n`);
  }, options);
} else {
  session.onNotify(async (payload, info) => {
    await appendSynced(file, `${JSON.stringify(payload)}\n`);
    process.stdout.write(`handled ${info.seq}\n`);
  }, { cursor: fileCursor(`${file}.cursor`) });
}
