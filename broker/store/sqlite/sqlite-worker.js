// The SQLite store's worker thread: plain JavaScript, because a worker starts without the
// parent's TypeScript loader (tsx under the CLI, vite under vitest); it registers tsx itself and
// then serves a SqliteConnection, one request at a time, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { SqliteConnection } = await import('./sqlite-connection.ts');

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
