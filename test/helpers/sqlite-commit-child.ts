/**
 * Child process for the kill -9 durability test: opens the SQLite store at argv[2], commits a
 * batch, prints "committed" and then idles until the test kills it with SIGKILL.
 */
import { createSqliteStore } from '../../broker/store/sqlite/sqlite-store.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: sqlite-commit-child.ts <db path>');
const store = await createSqliteStore(path);
const writes = Array.from({ length: 50 }, (_, i) => ({
  key: `killed/${i}`,
  expectVersion: 0,
  record: Uint8Array.of(i, 42),
  wakeAt: i,
}));
const outcomes = await store.commit(writes);
process.stdout.write(outcomes.every((outcome) => outcome === 'committed') ? 'committed\n' : 'conflict\n');
// Never closes the store: only the commit itself may make the data durable.
setInterval(() => undefined, 60_000);
