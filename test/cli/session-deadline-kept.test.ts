import { describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice } from '../../device/index.js';
import { it, test } from '../helpers/fixtures.js';
import { runStead } from '../helpers/processes.js';

// Attack (the impatient CLI user, as for `stead call` before): `stead session --deadline` takes
// any positive number, and every timer behind it is a setTimeout, which Node runs after 1 ms for
// a delay past 2^31 - 1 ms. A long deadline gave UNREACHABLE (exit 5, "nothing was sent") from a
// broker that is up — or, once connected, a `get` that consumed a once-only value and reported
// "no answer". The value is refused as bad usage (exit 2) before anything is sent, as `stead
// call` refuses it; nothing is consumed.

describe('stead session --deadline past what a timer can wait', () => {
  let broker: SteadBroker;
  let dir: string;
  test.beforeEach(({ broker: started, tempDir }) => {
    broker = started;
    dir = tempDir;
  });

  it('is refused (exit 2) before anything is sent; the once-only value is still there', async () => {
    const device = await connectDevice({ url: broker.url });
    try {
      const resources = device.resources('toaster/vault');
      await resources.sink('kitchen', 'secret', 'v', { once: true });
      const result = await runStead(['session', 'get', 'session:toaster/vault/kitchen+secret', '--broker', broker.url, '--deadline', '3000000000'], { STEAD_STATE_DIR: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('STEAD_E_BAD_OPTIONS');
      expect(await resources.exists('kitchen', 'secret')).toBe(true);
    } finally {
      await device.close();
    }
  });
});
