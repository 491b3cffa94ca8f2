import { describe, expect, it } from 'vitest';
import { CallWindow } from '../../../device/session/call-window.js';
import type { PendingCall } from '../../../device/session/pending.js';
import { SteadError } from '../../../shared/errors.js';

// The call window as a table (DESIGN §4): rows of (window state, input, now) → outcome, on the
// window alone: no session, no broker, no socket.

function pending(method: string, deadlineAt = Infinity): PendingCall & { outcome: string } {
  const call = {
    method,
    args: [],
    seq: 0,
    bytes: null,
    answered: 0,
    sentAt: 0,
    deadlineAt,
    outcome: 'pending',
    resolve: () => (call.outcome = 'resolved'),
    reject: (error: SteadError) => (call.outcome = error.code),
  };
  return call;
}

interface Setup {
  size: number;
  /** Calls queued, by method name; each gets the deadline of the same index, if given. */
  queued: number;
  deadlines?: number[];
  /** Admitted before the input (in queue order). */
  admitted: number;
  /** Seqs answered (removed from the window) before the input. */
  answered?: number[];
  /** The instance was adopted at this next seq. */
  adoptedAt?: number;
}

/** A window built the way a session drives it: queue, restart, admit, answer. */
function windowOf(setup: Setup): { window: CallWindow; calls: ReturnType<typeof pending>[] } {
  const window = new CallWindow(setup.size);
  const calls = Array.from({ length: setup.queued }, (_, i) => pending(`m${i + 1}`, setup.deadlines?.[i]));
  for (const call of calls) window.queue(call);
  if (setup.adoptedAt) window.restart(setup.adoptedAt);
  for (let i = 0; i < setup.admitted; i++) window.admit();
  for (const seq of setup.answered ?? []) window.remove(window.get(seq) as PendingCall);
  return { window, calls };
}

function admitAll(window: CallWindow): number[] {
  const seqs: number[] = [];
  for (let call = window.admit(); call; call = window.admit()) seqs.push(call.seq);
  return seqs;
}

describe('the call window', () => {
  it.each<[string, Setup, number[]]>([
    ['an empty window of 1 admits one call', { size: 1, queued: 3, admitted: 0 }, [1]],
    ['a full window of 1 admits nothing', { size: 1, queued: 3, admitted: 1 }, []],
    ['the answer to seq 1 frees the one slot for seq 2', { size: 1, queued: 3, admitted: 1, answered: [1] }, [2]],
    ['a window of 3 admits up to its bound', { size: 3, queued: 5, admitted: 0 }, [1, 2, 3]],
    ['seq 1 waiting holds back every seq past 1 + size, however many replies came', { size: 3, queued: 6, admitted: 3, answered: [2, 3] }, []],
    ['one below the bound admits exactly one more', { size: 3, queued: 5, admitted: 2 }, [3]],
    ['at the bound nothing more is admitted', { size: 3, queued: 5, admitted: 3 }, []],
    ['two answers free two slots, the next seqs in order', { size: 3, queued: 5, admitted: 3, answered: [1, 2] }, [4, 5]],
    // The window is a span from answered: a reply out of order frees nothing while seq 1 waits,
    // so the proxy's reply cache still holds seq 1's reply when its retry comes.
    ['a reply out of order frees no slot while seq 1 waits', { size: 2, queued: 3, admitted: 2, answered: [2] }, []],
    ['the reply to seq 1 after it frees the span up to 1 + size', { size: 2, queued: 4, admitted: 2, answered: [2, 1] }, [3, 4]],
    ['nothing waiting, nothing admitted', { size: 4, queued: 2, admitted: 2 }, []],
    ['an adopted instance goes on from its next seq', { size: 2, queued: 3, admitted: 0, adoptedAt: 7 }, [7, 8]],
  ])('admission: %s', (_name, setup, seqs) => {
    const { window } = windowOf(setup);
    expect(admitAll(window)).toEqual(seqs);
  });

  it.each<[string, Setup, number]>([
    ['nothing sent yet', { size: 3, queued: 0, admitted: 0 }, 0],
    ['seqs 1–3 in flight', { size: 3, queued: 3, admitted: 3 }, 0],
    ['seq 1 answered, 2–3 in flight', { size: 3, queued: 3, admitted: 3, answered: [1] }, 1],
    ['seq 2 answered, 1 and 3 in flight: 1 still holds it back', { size: 3, queued: 3, admitted: 3, answered: [2] }, 0],
    ['seqs 2 and 1 answered, 3 in flight', { size: 3, queued: 3, admitted: 3, answered: [2, 1] }, 2],
    ['every seq answered', { size: 3, queued: 3, admitted: 3, answered: [3, 1, 2] }, 3],
    ['calls waiting behind a full window do not count', { size: 1, queued: 4, admitted: 1, answered: [1] }, 1],
    ['an adopted instance: every seq before it is answered', { size: 2, queued: 0, admitted: 0, adoptedAt: 7 }, 6],
  ])('answered: %s → %i', (_name, setup, answered) => {
    expect(windowOf(setup).window.answered()).toBe(answered);
  });

  it.each<[string, Setup, number, string[], number]>([
    ['nothing is due before any deadline', { size: 1, queued: 2, deadlines: [100, 200], admitted: 1 }, 99, [], 100],
    ['a deadline is due at its instant', { size: 1, queued: 2, deadlines: [100, 200], admitted: 1 }, 100, ['m1'], 100],
    ['a call waiting behind the window has a deadline too', { size: 1, queued: 2, deadlines: [300, 200], admitted: 1 }, 250, ['m2'], 200],
    ['both due, waiting ones first', { size: 1, queued: 2, deadlines: [100, 200], admitted: 1 }, 500, ['m2', 'm1'], 100],
    ['an answered call is no longer watched', { size: 1, queued: 2, deadlines: [100, 200], admitted: 1, answered: [1] }, 150, [], 200],
    ['no calls: no deadline', { size: 1, queued: 0, admitted: 0 }, 500, [], Infinity],
  ])('deadlines: %s', (_name, setup, now, due, earliest) => {
    const { window } = windowOf(setup);
    expect(window.due(now).map((call) => call.method)).toEqual(due);
    expect(window.earliestDeadline()).toBe(earliest);
  });

  it('a call that could not be sent is withdrawn: it leaves the window, the next one gets its seq', () => {
    const { window, calls } = windowOf({ size: 2, queued: 2, admitted: 0 });
    window.withdraw(window.admit() as PendingCall);
    expect(window.holds(calls[0] as PendingCall)).toBe(false);
    expect(window.admit()?.seq).toBe(1);
    expect(window.peekSeq()).toBe(2);
  });

  it('only the call admitted last can be withdrawn', () => {
    const { window } = windowOf({ size: 2, queued: 2, admitted: 2 });
    expect(() => window.withdraw(window.get(1) as PendingCall)).toThrow();
  });

  it('an end takes the next seq outside the calls: the next instance starts again at 1', () => {
    const { window } = windowOf({ size: 1, queued: 1, admitted: 1, answered: [1] });
    expect(window.nextSeq()).toBe(2);
    expect(window.peekSeq()).toBe(3);
    window.restart();
    expect(window.peekSeq()).toBe(1);
  });

  it.each<[string, 'failInflight' | 'failWaiting', string[]]>([
    ['failing what is in flight leaves what waits', 'failInflight', ['STEAD_E_DEADLINE', 'STEAD_E_DEADLINE', 'pending']],
    ['failing what waits leaves what is in flight', 'failWaiting', ['pending', 'pending', 'STEAD_E_DEADLINE']],
  ])('%s', (_name, fail, outcomes) => {
    const { window, calls } = windowOf({ size: 2, queued: 3, admitted: 2 });
    window[fail](new SteadError('DEADLINE'));
    expect(calls.map((call) => call.outcome)).toEqual(outcomes);
    expect(calls.map((call) => window.holds(call))).toEqual(outcomes.map((outcome) => outcome === 'pending'));
  });

  it('whenIdle waits for the last call to leave, or for the session to give up', async () => {
    const { window, calls } = windowOf({ size: 1, queued: 1, admitted: 1 });
    let idle = false;
    const waiting = window.whenIdle().then(() => (idle = true));
    window.remove(calls[0] as PendingCall);
    expect(window.idle).toBe(true);
    await Promise.resolve();
    expect(idle).toBe(false);
    window.releaseIdle();
    await waiting;
    expect(idle).toBe(true);
    await expect(window.whenIdle()).resolves.toBeUndefined();
  });
});
