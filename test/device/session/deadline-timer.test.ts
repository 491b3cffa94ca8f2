import { describe, expect, it } from 'vitest';
import { DeadlineTimer } from '../../../device/session/deadline-timer.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// The one deadline timer of a session as a table: rows of (deadlines armed at times, time
// reached) → when it fired. It is armed for the earliest deadline and moved only earlier.
// Deadlines are monotonic clock time; `wall` steps the wall clock (an NTP step): it changes nothing.

type Step = [at: number, action: number | 'stop' | { wall: number }];

describe('the deadline timer', () => {
  it.each<[string, Step[], number, number[]]>([
    ['it fires at the deadline armed', [[0, 100]], 1000, [100]],
    ['not before it', [[0, 100]], 99, []],
    ['an earlier deadline moves it earlier', [[0, 200], [10, 100]], 1000, [100]],
    ['a later deadline leaves it where it is (the fire arms the next one)', [[0, 100], [10, 200]], 1000, [100]],
    ['Infinity (no call left) arms nothing', [[0, Infinity]], 1000, []],
    ['a deadline already past fires at once', [[50, 20]], 50, [50]],
    ['stopped, it never fires', [[0, 100], [10, 'stop']], 1000, []],
    ['after it fired it can be armed again', [[0, 100], [150, 300]], 1000, [100, 300]],
    ['a wall clock stepped back an hour after arming: it fires at the deadline', [[0, 100], [10, { wall: -3_600_000 }]], 1000, [100]],
    ['a wall clock stepped back an hour before arming: it fires at the deadline', [[0, { wall: -3_600_000 }], [10, 100]], 1000, [100]],
  ])('%s', (_name, steps, until, fired) => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const timer = new DeadlineTimer(clock, () => seen.push(clock.monotonic()));
    for (const [at, action] of steps) {
      clock.advance(at - clock.monotonic());
      if (action === 'stop') timer.stop();
      else if (typeof action === 'object') clock.stepWall(action.wall);
      else timer.arm(action);
    }
    clock.advance(until - clock.monotonic());
    expect(seen).toEqual(fired);
  });
});
