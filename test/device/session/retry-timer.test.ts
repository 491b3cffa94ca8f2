import { describe, expect, it } from 'vitest';
import { RetryTimer } from '../../../device/session/retry-timer.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// The session's one resend timer as a table: rows of (arms and stops at times, time reached) →
// the sweeps it ran, each with the instant at or before which a send is stale. Times are ms
// after the start on the monotonic clock; `wall` steps the wall clock (an NTP step), which must
// change nothing. No session, no socket.

type Step = [at: number, action: 'arm' | 'stop' | { wall: number }];

describe('the retry timer', () => {
  it.each<[string, Step[], number, number[], boolean]>([
    ['armed, it sweeps one interval later: what was sent at the start is stale', [[0, 'arm']], 1000, [0], false],
    ['one ms before the interval nothing is swept', [[0, 'arm']], 999, [], false],
    ['arming again while armed changes nothing: one timer for every request', [[0, 'arm'], [600, 'arm']], 1000, [0], false],
    ['armed later, it sweeps later, stale up to one interval before', [[250, 'arm']], 1250, [250], false],
    ['stopped, it never sweeps', [[0, 'arm'], [10, 'stop']], 5000, [], false],
    ['a sweep that arms again sweeps every interval', [[0, 'arm']], 3000, [0, 1000, 2000], true],
    ['a sweep that does not arm again is the last', [[0, 'arm']], 3000, [0], false],
    ['a wall clock stepped back an hour after arming: still one interval, stale up to the send', [[0, 'arm'], [10, { wall: -3_600_000 }]], 1000, [0], false],
    ['a wall clock stepped back an hour between sweeps: every interval still sweeps', [[0, 'arm'], [1500, { wall: -3_600_000 }]], 3000, [0, 1000, 2000], true],
    ['a wall clock stepped forward an hour: no sweep comes early', [[0, 'arm'], [10, { wall: 3_600_000 }]], 999, [], false],
  ])('%s', (_name, steps, until, sweeps, rearm) => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const timer: RetryTimer = new RetryTimer(clock, 1000, (staleAt) => {
      seen.push(staleAt);
      if (rearm) timer.arm();
    });
    for (const [at, action] of steps) {
      clock.advance(at - clock.monotonic());
      if (typeof action === 'object') clock.stepWall(action.wall);
      else timer[action]();
    }
    clock.advance(until - clock.monotonic());
    expect(seen).toEqual(sweeps);
  });
});
