import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect } from 'vitest';
import { connectDevice } from '../../../device/index.js';
import type { SteadError } from '../../../shared/errors.js';
import { it, test } from '../../helpers/fixtures.js';
import { spawnBroker, type BrokerProcess } from '../../helpers/processes.js';
import { TEST_KEY } from '../../helpers/test-key.js';

const BROKER_API = pathToFileURL(fileURLToPath(new URL('../../../dist/broker/index.js', import.meta.url))).href;

// Attack on values kept as plain copies (shared/wire/plain-data.ts copyPlainData). A sparse array
// has a length but (almost) no elements: `a = []; a.length = 2 ** 32 - 1` is one line of app code
// (or `list[id] = x` with a big id). The copy walks every index of the length and writes each
// hole as an element, before any size check: about 10 s and 1.5 GB per 10^8 of length on this
// machine, on the broker's one thread. A reply that cannot fit one frame (a frame holds at most
// maxFrameBytes elements) should be refused at once with a typed error, and every other proxy of
// the broker keep answering. Instead the whole broker stops answering (and, at 2^32 - 1, runs
// out of memory). The broker is a child process, so the test survives it.
const APP = `import { defineProxy } from '${BROKER_API}';
export default defineProxy({
  name: 'sparse',
  init: () => ({}),
  methods: {
    hole: { args: [], run: () => { const a = []; a.length = 2 ** 32 - 1; return a; } },
    holeNotify: { args: [], run: (ctx) => { const a = []; a[2 ** 32 - 2] = 1; ctx.notify(a, 'other'); return 1; } },
    holeState: { args: [], run: (ctx) => { const a = []; a.length = 2 ** 32 - 1; ctx.state = { a }; return 1; } },
    ping: { args: [], run: () => 'pong' },
  },
});
`;

describe('a value too large for a frame is refused at once, whatever its shape', () => {
  let dir: string;
  let broker: BrokerProcess;

  test.beforeEach(async ({ tempDir }) => {
    dir = tempDir;
    await writeFile(join(dir, 'sparse-app.mjs'), APP);
    broker = await spawnBroker(['--store', 'memory:', '--app', join(dir, 'sparse-app.mjs')]);
  });

  afterEach(async () => {
    await broker.kill();
  });

  it.each([
    ['a sparse array returned', 'hole', 'STEAD_E_REPLY_TOO_LARGE'],
    ['a sparse array notified', 'holeNotify', 'STEAD_E_VALUE_TOO_LARGE'],
    ['a sparse array in the state', 'holeState', 'STEAD_E_STATE_TOO_LARGE'],
  ])('%s: a typed error, and the broker goes on answering', async (_case, method, code) => {
    const device = await connectDevice({ url: broker.url, key: TEST_KEY });
    try {
      const error = await device.session('sparse/p1', 'dev', { deadlineMs: 3000 }).call(method).then(
        () => null,
        (thrown: unknown) => thrown as SteadError,
      );
      expect.soft(error?.code).toBe(code);
      // Another proxy of the same broker.
      expect(await device.session('sparse/p2', 'dev', { deadlineMs: 3000 }).call('ping')).toBe('pong');
    } finally {
      await device.close();
    }
  }, 15_000);
});
