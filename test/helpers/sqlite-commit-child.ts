/**
 * Child process for the kill -9 durability tests: opens the SQLite store at argv[2], commits a
 * batch (of argv[3] writes, default 50), prints "committed" and then idles until the test kills it
 * with SIGKILL. Given a count, it also says which thread committed ("committed on main").
 */
import { createSqliteStore } from '../../broker/store/sqlite/sqlite-store.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: sqlite-commit-child.ts <db path>');
const store = await createSqliteStore(path);
const count = process.argv[3];
const writes = Array.from({ length: count === undefined ? 50 : Number(count) }, (_, i) => ({
  key: `killed/${i}`,
  expectVersion: 0,
  record: Uint8Array.of(i, 42),
  wakeAt: i,
}));
const outcomes = await store.commit(writes);
const thread = count === undefined ? '' : store.threads.worker > 0 ? ' in worker' : ' on main';
process.stdout.write(outcomes.every((outcome) => outcome === 'committed') ? `committed${thread}\n` : 'conflict\n');
// Never closes the store: only the commit itself may make the data durable.
setInterval(() => undefined, 60_000);
