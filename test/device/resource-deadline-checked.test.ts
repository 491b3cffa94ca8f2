import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/errors.js';
import { withBrokerAndDevice } from '../helpers/broker.js';

/**
 * Attack: `device.resources(proxy, { deadlineMs })` took any number. A deadline past 2^31 - 1 ms
 * (or NaN, or negative) is a setTimeout that Node runs at once: every request failed with
 * DEADLINE ("a write may or may not have happened") right after it was sent — a once-only SOURCE
 * consumed and reported as lost. Such an option is refused when the client is made.
 */
describe('a resource client deadline no timer can keep', () => {
  const env = withBrokerAndDevice();

  it('is refused with BAD_OPTIONS; a request under a sound deadline is answered', async () => {
    for (const deadlineMs of [2 ** 31, Number.NaN, -1, 0]) {
      expect(codeOf(() => env.device.resources('toaster/vault', { deadlineMs }))).toBe('STEAD_E_BAD_OPTIONS');
    }
    for (const retryMs of [2 ** 31, Number.NaN, 0]) {
      expect(codeOf(() => env.device.resources('toaster/vault', { retryMs }))).toBe('STEAD_E_BAD_OPTIONS');
    }
    const resources = env.device.resources('toaster/vault', { deadlineMs: 2 ** 31 - 1 });
    await resources.sink('kitchen', 'k', 'v', { once: true });
    expect(await resources.source('kitchen', 'k')).toBe('v');
  });
});
