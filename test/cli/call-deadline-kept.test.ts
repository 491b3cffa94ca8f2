import { describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { it, test } from '../helpers/fixtures.js';
import { runStead } from '../helpers/processes.js';

// Attack: `--deadline` accepts any positive number, but every timer behind it (mqtt.js's connect
// timeout, the begin's and the call's deadlines) is a setTimeout, which Node runs after 1 ms for a
// delay past 2^31 - 1 ms (~24.8 days). A user who gives a long deadline gets UNREACHABLE at once
// (exit 5, "nothing was sent") from a broker that is up. Either the value is refused as bad usage
// (exit 2) or it is honoured (the call answers, exit 0).

describe('a --deadline the command accepts is the deadline it keeps', () => {
  let broker: SteadBroker;
  let journal: string;
  test.beforeEach(({ broker: started, tempDir }) => {
    broker = started;
    journal = tempDir;
  });

  it('a deadline past 2^31 - 1 ms is refused as usage or honoured, never a 1 ms timeout', async () => {
    const result = await runStead(['call', '--broker', broker.url, '--journal', journal, '--deadline', '3000000000', 'toaster/shop-1', 'cli', 'buy', '["bread"]']);
    // Exit 0 with the reply (honoured) or exit 2 (refused as usage): both are fixes; 5 is the bug.
    const seen = result.code === 0 ? { code: 0, stdout: result.stdout } : { code: result.code };
    expect([{ code: 0, stdout: '1\n' }, { code: 2 }]).toContainEqual(seen);
  });
});
