import { describe, expect, it } from 'vitest';
import { hostileApp, kept } from '../../helpers/apps/hostile-app.js';
import { withBrokerAndDevice } from '../../helpers/broker.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { until } from '../../helpers/wait.js';

// Issue 6, hole 4: the context of a method is dead once the method settled. Using it throws
// CONTEXT_CLOSED; a state object kept past the method is a dead copy, never the next draft.

describe('a method context lives only as long as its method', () => {
  // The hostile type pulses every 100 ms, and each pulse writes (it changes state). On the
  // system clock a loaded machine lets a pulse land between the snapshot of the write count and
  // the end, and the count is off by one or two. On a clock that never moves no pulse runs, so
  // every write counted below is one of the test's own calls (`keep` uses a real setTimeout).
  const env = withBrokerAndDevice(() => ({ apps: [hostileApp], clock: new ManualClock() }));

  it('a context used after its method returned throws CONTEXT_CLOSED and changes nothing', async () => {
    kept.lateError = null;
    const session = env.device.session('hostile/kept', 'main');
    expect(await session.call('keep', 20)).toBe('kept');
    await until(() => kept.lateError !== null, 5000, 'the late use of the context');
    expect(kept.lateError).toMatchObject({ code: 'STEAD_E_CONTEXT_CLOSED' });
    const writes = env.broker.committer.stats.writes;
    expect(await session.call('count')).toBe(0);
    expect(await session.call('bump')).toBe(1);
    // The read-only call wrote nothing; the bump wrote once.
    expect(env.broker.committer.stats.writes).toBe(writes + 1);
  });
});
