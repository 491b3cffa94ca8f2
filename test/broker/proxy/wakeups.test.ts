import { describe, expect, it } from 'vitest';
import { Wakeups } from '../../../broker/proxy/wakeups.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// A live proxy's wake-ups as a table: rows of (events at times, time reached) → the times timer
// runs were queued. After a store failure the proxy must wake by itself (nobody else will: a
// timer has no device to resend for it), after a backoff that doubles per failed retry up to a
// cap, and no sooner — a store that loads but fails every commit must not make a due timer spin.
// Each queued run is taken at once, as a drained inbox does. Times are ms after the start.

type Event = [at: number, what: 'failed' | 'succeeded' | { timerAt: number | null }];

describe('wake-ups after a store failure', () => {
  it.each<[string, Event[], number, number[]]>([
    ['a timer armed for 500 runs at 500', [[0, { timerAt: 500 }]], 1000, [500]],
    ['a failure with nothing armed: a retry after 100 ms', [[0, 'failed']], 1000, [100]],
    ['a failure replaces the armed timer: the retry runs first and arms again from the record', [[0, { timerAt: 500 }], [10, 'failed']], 1000, [110]],
    ['failed retries back off: 100, then 200, then 400', [[0, 'failed'], [100, 'failed'], [300, 'failed']], 1000, [100, 300, 700]],
    ['more failures while a retry is armed (other messages) do not push it back', [[0, 'failed'], [20, 'failed'], [50, 'failed']], 1000, [100]],
    ['a timer re-armed while a retry is armed leaves the retry', [[0, 'failed'], [20, { timerAt: null }]], 1000, [100]],
    ['after a failure a due timer waits for the backoff, not the store that fails its commit', [[0, 'failed'], [100, 'failed'], [150, { timerAt: 0 }]], 1000, [100, 300]],
    ['a confirmed commit ends the backoff: the next failure retries after 100 ms again', [[0, 'failed'], [100, 'failed'], [300, 'succeeded'], [400, 'failed']], 1000, [100, 300, 500]],
    ['a confirmed commit lets a timer run on time', [[0, 'failed'], [100, 'succeeded'], [120, { timerAt: 130 }]], 1000, [100, 130]],
  ])('%s', (_name, events, until, runs) => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const wakeups = new Wakeups(clock, (kind) => {
      seen.push(clock.now());
      wakeups.taken(kind);
    });
    for (const [at, what] of events) {
      clock.advance(at - clock.now());
      if (typeof what === 'object') wakeups.timerAt(what.timerAt);
      else wakeups[what]();
    }
    clock.advance(until - clock.now());
    wakeups.stop();
    expect(seen).toEqual(runs);
  });

  it('the store stays down: every retry fails, the waits double up to 30 s and stay there', () => {
    const clock = new ManualClock(0);
    const runs: number[] = [];
    const wakeups = new Wakeups(clock, (kind) => {
      runs.push(clock.now());
      wakeups.taken(kind);
      wakeups.failed();
    });
    wakeups.failed();
    clock.advance(200_000);
    wakeups.stop();
    const waits = runs.slice(0, 12).map((at, i) => at - (runs[i - 1] ?? 0));
    expect(waits).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000]);
  });

  it('stopped (the broker closing), a late failure arms nothing', () => {
    const clock = new ManualClock(0);
    const wakeups = new Wakeups(clock, () => undefined);
    wakeups.stop();
    wakeups.failed();
    wakeups.timerAt(10);
    expect(clock.pending).toBe(0);
  });
});
