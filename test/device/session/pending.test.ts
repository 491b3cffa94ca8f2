import { describe, expect, it } from 'vitest';
import { pendingControl, settleControl } from '../../../device/session/pending.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// A begin or end waiting for its answer: its deadline as a table of (answered at, time reached)
// → whether the deadline ran. No session, no socket.

describe('a pending begin or end', () => {
  it.each<[string, number | null, number, boolean]>([
    ['unanswered at its deadline, the deadline runs', null, 1000, true],
    ['unanswered one ms before it, nothing runs yet', null, 999, false],
    ['answered before its deadline, the deadline never runs', 500, 5000, false],
    ['answered at the very ms of its deadline, before the timer ran', 1000, 5000, false],
  ])('%s', (_name, answeredAt, until, ran) => {
    const clock = new ManualClock(0);
    let deadlines = 0;
    const control = pendingControl<void>(clock, { ref: new Uint8Array(8), seq: 0, bytes: new Uint8Array(1) }, 1000, () => deadlines++);
    if (answeredAt !== null) {
      clock.advance(answeredAt - 1);
      settleControl(clock, control);
    }
    clock.advance(until - clock.now());
    expect(deadlines).toBe(ran ? 1 : 0);
    // An answer clears the timer; only an unanswered control before its deadline still holds one.
    expect(clock.pending).toBe(answeredAt === null && !ran ? 1 : 0);
  });

  it('settling twice is harmless, and the control keeps its message', () => {
    const clock = new ManualClock(0);
    const ref = new Uint8Array(8).fill(3);
    const control = pendingControl<number>(clock, { ref, seq: 4, bytes: new Uint8Array([1, 2]) }, 1000, () => {});
    settleControl(clock, control);
    settleControl(clock, control);
    expect(control).toMatchObject({ ref, seq: 4, bytes: new Uint8Array([1, 2]), sentAt: -Infinity, deadline: null });
  });

  it('its promise settles with what the session resolves or rejects', async () => {
    const clock = new ManualClock(0);
    const control = pendingControl<number>(clock, { ref: new Uint8Array(8), seq: 0, bytes: new Uint8Array(1) }, 1000, () => {});
    control.resolve(7);
    await expect(control.promise).resolves.toBe(7);
  });
});
