// The SQLite store's worker thread: plain JavaScript, because a worker starts without the
// parent's TypeScript loader. In the package (dist/) the compiled connection sits beside it; run
// from the sources (vitest, tsx) it registers tsx to load the TypeScript one. Then it serves a
// SqliteConnection, one request at a time, in order.
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { SqliteConnection } = await loadConnection();

let connection;
try {
  connection = new SqliteConnection(workerData.path, workerData.options);
  parentPort.postMessage({ id: 0, result: 'open' });
} catch (error) {
  parentPort.postMessage({ id: 0, error: describe(error) });
}

parentPort.on('message', ({ id, op, args }) => {
  try {
    const result = connection[op](...args);
    parentPort.postMessage({ id, result });
    if (op === 'close') parentPort.close();
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) });
  }
});

function describe(error) {
  return { code: error?.code, message: String(error?.message ?? error) };
}

async function loadConnection() {
  const compiled = new URL('./sqlite-connection.js', import.meta.url);
  if (existsSync(compiled)) return import(compiled.href);
  const { register } = await import('tsx/esm/api');
  register();
  return import('./sqlite-connection.ts');
}
