/**
 * A gadget agent's bundle part, alone, as a child process on the real clock (for kill -9 tests):
 * `bundle-child.ts <dataDir> <effects file> [bundle JSON]`, the bundle's `start` given as ms
 * from when the child is ready (it prints `start <time>`), so a slow start-up never makes it
 * late. Each command appends a line to the
 * effects file (its durable effect) before it prints `ran <method>`; `hang` never returns, so a
 * test can kill the agent inside a command. Reports are printed as `report <json>`.
 */
import { appendFileSync } from 'node:fs';
import { BundleExecutor } from '../../hardware/index.js';

const [dataDir, effects, bundle] = process.argv.slice(2) as [string, string, string | undefined];

const executor = await BundleExecutor.open({
  dataDir,
  lateToleranceMs: 300,
  run: (method) => {
    appendFileSync(effects, `${JSON.stringify({ method, at: Date.now(), pid: process.pid })}\n`);
    console.log(`ran ${method}`);
    return method === 'hang' ? new Promise(() => {}) : undefined;
  },
  onReport: (report) => console.log(`report ${JSON.stringify(report)}`),
  onError: (error) => console.log(`error ${error.code}`),
});
console.log('ready');
if (bundle !== undefined) {
  const value = JSON.parse(bundle) as { start: number };
  const start = Date.now() + value.start;
  console.log(`start ${start}`);
  await executor.receive({ ...value, start });
  console.log('received');
}
// Alive until killed: the test ends it.
setInterval(() => {}, 1 << 30);
