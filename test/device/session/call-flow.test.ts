import { describe, expect, it } from 'vitest';
import type { SessionOptions } from '../../../device/session/types.js';
import { bytesEqual } from '../../../shared/bytes.js';
import { OfflineSession, drain, track, type Outcome } from '../../helpers/offline-session.js';

// A session's calls as tables: rows of (window, calls made, answers, then an input at a time) →
// the frames it sends and how its calls come out. The session runs on an offline link (frames
// decoded into a list, a clock moved by hand): no broker, no socket. DESIGN §4: calls go out
// under seqs 1, 2, 3 … within the window, each frame says up to where every reply arrived
// (`answered`), and a call is sent again under its seq until it is answered or its deadline.

const RETRY_MS = 1000;
const DEADLINE_MS = 10_000;
/** An NTP step of the wall clock: retries and deadlines are durations, so it must change nothing. */
const HOUR = 3_600_000;

interface Row {
  window: number;
  /** Calls made, m1, m2 …, all at once after the instance is begun. */
  made: number;
  /** Seqs the proxy replies to, in this order. */
  replies: number[];
}

/** A session with `made` calls sent within the window and the given replies received. */
async function sessionAt(row: Row, options: SessionOptions = {}): Promise<{ offline: OfflineSession; outcomes: Outcome[] }> {
  const offline = await OfflineSession.open({ window: row.window, retryMs: RETRY_MS, deadlineMs: DEADLINE_MS, ...options });
  const outcomes: Outcome[] = [];
  for (let i = 1; i <= row.made; i++) outcomes.push(track(offline.session.call(`m${i}`, i)));
  offline.answerBegin();
  for (const seq of row.replies) offline.reply(seq);
  await drain();
  return { offline, outcomes };
}

/** The call frames sent from index `from` on, as [seq, answered]. */
function sentSince(offline: OfflineSession, from: number): number[][] {
  return offline.calls.slice(from).map((frame) => [frame.seq, frame.answered]);
}

describe('admission and the answered a new frame carries', () => {
  it.each<[string, Row, number[][]]>([
    ['the first call: seq 1, nothing answered', { window: 1, made: 1, replies: [] }, [[1, 0]]],
    ['window 1: each call waits for the reply before it', { window: 1, made: 3, replies: [1, 2] }, [[1, 0], [2, 1], [3, 2]]],
    ['window 1 at its bound: the second call waits', { window: 1, made: 2, replies: [] }, [[1, 0]]],
    ['window 3: three go out at once, a fourth waits', { window: 3, made: 4, replies: [] }, [[1, 0], [2, 0], [3, 0]]],
    ['window 2: the reply to 1 lets seq 3 out, saying 1 is answered', { window: 2, made: 3, replies: [1] }, [[1, 0], [2, 0], [3, 1]]],
    // The window is a span from answered: while seq 1 waits, no seq past 1 + window goes out.
    ['window 3: a reply to 2 first lets nothing more out while seq 1 waits', { window: 3, made: 4, replies: [2] }, [[1, 0], [2, 0], [3, 0]]],
    ['window 3: the reply to 1 after it lets seqs 4 and 5 out, saying 2', { window: 3, made: 5, replies: [2, 1] }, [[1, 0], [2, 0], [3, 0], [4, 2], [5, 2]]],
    ['a window over the limit is held to limits.maxWindow (16)', { window: 100, made: 17, replies: [] }, Array.from({ length: 16 }, (_, i) => [i + 1, 0])],
    ['a window below 1 is 1', { window: 0, made: 2, replies: [] }, [[1, 0]]],
  ])('%s', async (_name, row, sent) => {
    const { offline } = await sessionAt(row);
    expect(sentSince(offline, 0)).toEqual(sent);
    expect(offline.calls.every((frame) => bytesEqual(frame.nonce, offline.session.nonce))).toBe(true);
  });

  it('an adopted instance goes on from its next seq, every seq before it answered', async () => {
    const offline = await OfflineSession.open();
    const nonce = offline.link.random.nonce();
    offline.session.adopt(nonce, 7);
    const outcome = track(offline.session.call('m', 1));
    expect(sentSince(offline, 0)).toEqual([[7, 6]]);
    expect(offline.begins).toHaveLength(0);
    offline.reply(7, 'seven');
    await drain();
    expect(outcome).toEqual({ state: 'resolved', value: 'seven' });
  });

  it('a call too large for a frame fails at once and gives its seq to the next call', async () => {
    const offline = await OfflineSession.open({}, { maxFrameBytes: 200 });
    track(offline.session.begin());
    offline.answerBegin();
    const big = track(offline.session.call('big', 'x'.repeat(300)));
    const small = track(offline.session.call('small'));
    await drain();
    expect(big).toEqual({ state: 'rejected', code: 'STEAD_E_FRAME_TOO_LARGE' });
    expect(small.state).toBe('pending');
    expect(offline.calls.map((frame) => [frame.seq, frame.method])).toEqual([[1, 'small']]);
  });
});

describe('resends keep their seq', () => {
  type Trigger = (offline: OfflineSession) => Promise<void> | void;
  const reconnect: Trigger = (offline) => offline.reconnect();
  const retryTimer: Trigger = (offline) => offline.link.clock.advance(RETRY_MS);
  const justBeforeRetry: Trigger = (offline) => offline.link.clock.advance(RETRY_MS - 1);
  const wallBackThenRetry: Trigger = (offline) => {
    offline.link.clock.stepWall(-HOUR);
    offline.link.clock.advance(RETRY_MS);
  };
  const wallForwardJustBeforeRetry: Trigger = (offline) => {
    offline.link.clock.stepWall(HOUR);
    offline.link.clock.advance(RETRY_MS - 1);
  };

  it.each<[string, Row, Trigger, number[][]]>([
    ['after a reconnect, the call in flight goes out again under seq 1', { window: 1, made: 1, replies: [] }, reconnect, [[1, 0]]],
    ['the retry timer resends it under seq 1', { window: 1, made: 1, replies: [] }, retryTimer, [[1, 0]]],
    ['before the retry interval nothing is resent', { window: 1, made: 1, replies: [] }, justBeforeRetry, []],
    ['the wall clock stepped back an hour: the retry timer still resends after the interval', { window: 1, made: 1, replies: [] }, wallBackThenRetry, [[1, 0]]],
    ['the wall clock stepped forward an hour: nothing is resent before the interval', { window: 1, made: 1, replies: [] }, wallForwardJustBeforeRetry, []],
    ['after a reconnect, seq 2 goes again carrying the newer answered', { window: 2, made: 2, replies: [1] }, reconnect, [[2, 1]]],
    ['the retry timer resends seq 2 with the newer answered too', { window: 2, made: 2, replies: [1] }, retryTimer, [[2, 1]]],
    ['only what is unanswered goes again, in seq order', { window: 3, made: 3, replies: [2] }, reconnect, [[1, 0], [3, 0]]],
    ['a waiting call is not a resend: it goes when its turn comes', { window: 1, made: 2, replies: [] }, reconnect, [[1, 0]]],
    ['nothing unanswered, nothing resent', { window: 2, made: 2, replies: [1, 2] }, reconnect, []],
  ])('%s', async (_name, row, trigger, resent) => {
    const { offline } = await sessionAt(row);
    const before = offline.calls.length;
    const nonce = offline.session.nonce;
    await trigger(offline);
    expect(sentSince(offline, before)).toEqual(resent);
    expect(offline.calls.slice(before).every((frame) => bytesEqual(frame.nonce, nonce))).toBe(true);
  });

  it('a call resent after a reconnect is answered once: its reply settles it, a duplicate is ignored', async () => {
    const { offline, outcomes } = await sessionAt({ window: 1, made: 2, replies: [] });
    await offline.reconnect();
    offline.reply(1, 'first');
    offline.reply(1, 'first again');
    await drain();
    expect(outcomes[0]).toEqual({ state: 'resolved', value: 'first' });
    expect(offline.calls.map((frame) => [frame.seq, frame.method])).toEqual([[1, 'm1'], [1, 'm1'], [2, 'm2']]);
  });

  it('while detached nothing is sent; the next connect sends the begin and the calls once each', async () => {
    const offline = await OfflineSession.open({ retryMs: RETRY_MS });
    offline.link.online = false;
    offline.session.detach();
    const outcome = track(offline.session.call('m1'));
    offline.link.clock.advance(RETRY_MS * 3);
    expect(offline.link.sent).toHaveLength(0);
    offline.link.online = true;
    offline.session.attach();
    await drain();
    expect(offline.begins).toHaveLength(1);
    offline.answerBegin();
    expect(sentSince(offline, 0)).toEqual([[1, 0]]);
    offline.reply(1);
    await drain();
    expect(outcome.state).toBe('resolved');
  });

  it('an unanswered begin is resent under the same token', async () => {
    const offline = await OfflineSession.open({ retryMs: RETRY_MS });
    track(offline.session.begin());
    offline.link.clock.advance(RETRY_MS);
    await offline.reconnect();
    const tokens = offline.begins.map((frame) => frame.token);
    expect(tokens).toHaveLength(3);
    expect(tokens.every((token) => bytesEqual(token, tokens[0]))).toBe(true);
  });
});

describe('deadlines', () => {
  /** Window 1: m1 (deadline 10 s) in flight, m2 waiting with the deadline given. */
  async function twoCalls(waitingDeadlineMs = DEADLINE_MS): Promise<{ offline: OfflineSession; first: Outcome; second: Outcome }> {
    const offline = await OfflineSession.open({ window: 1, retryMs: RETRY_MS, deadlineMs: DEADLINE_MS });
    const first = track(offline.session.call('m1'));
    const second = track(offline.session.invoke('m2', [], { deadlineMs: waitingDeadlineMs }));
    offline.answerBegin();
    await drain();
    return { offline, first, second };
  }

  it.each<[string, number, number, { first: string; second: string; instance: 'kept' | 'over'; begins: number }]>([
    ['one ms before its deadline a call still waits', DEADLINE_MS, DEADLINE_MS - 1, { first: 'pending', second: 'pending', instance: 'kept', begins: 1 }],
    [
      'a call in flight at its deadline fails, its outcome unknown: the instance is over and a new one begins for the waiting call',
      DEADLINE_MS * 2,
      DEADLINE_MS,
      { first: 'STEAD_E_DEADLINE', second: 'pending', instance: 'over', begins: 2 },
    ],
    ['a waiting call at its deadline fails; it never went out, so the instance goes on', 5000, 5000, { first: 'pending', second: 'STEAD_E_DEADLINE', instance: 'kept', begins: 1 }],
    ['both at once: both fail, and nothing is left to begin for', DEADLINE_MS, DEADLINE_MS, { first: 'STEAD_E_DEADLINE', second: 'STEAD_E_DEADLINE', instance: 'over', begins: 1 }],
  ])('%s', async (_name, waitingDeadlineMs, advance, expected) => {
    const { offline, first, second } = await twoCalls(waitingDeadlineMs);
    const nonce = offline.session.nonce;
    offline.link.clock.advance(advance);
    await drain();
    expect(first.code ?? first.state).toBe(expected.first);
    expect(second.code ?? second.state).toBe(expected.second);
    expect(offline.session.nonce === nonce ? 'kept' : 'over').toBe(expected.instance);
    expect(offline.begins).toHaveLength(expected.begins);
  });

  it.each<[string, number]>([
    ['back an hour', -HOUR],
    ['forward an hour', HOUR],
  ])('the wall clock stepped %s mid-call: the call fails at its deadline, not before or after', async (_name, step) => {
    const { offline, first } = await twoCalls(DEADLINE_MS * 2);
    offline.link.clock.stepWall(step);
    offline.link.clock.advance(DEADLINE_MS - 1);
    await drain();
    expect(first.state).toBe('pending');
    offline.link.clock.advance(1);
    await drain();
    expect(first.code).toBe('STEAD_E_DEADLINE');
  });

  it('a call answered in time is not touched by its deadline', async () => {
    const { offline, first, second } = await twoCalls();
    offline.reply(1, 'one');
    offline.reply(2, 'two');
    offline.link.clock.advance(DEADLINE_MS * 2);
    await drain();
    expect([first, second]).toEqual([{ state: 'resolved', value: 'one' }, { state: 'resolved', value: 'two' }]);
    expect(offline.session.nonce).not.toBeNull();
  });

  it('after a deadline ended the instance, the next instance starts again at seq 1', async () => {
    const { offline, second } = await twoCalls(DEADLINE_MS * 2);
    offline.link.clock.advance(DEADLINE_MS);
    const before = offline.calls.length;
    const nonce = offline.answerBegin();
    await drain();
    expect(sentSince(offline, before)).toEqual([[1, 0]]);
    expect(bytesEqual(offline.calls.at(-1)?.nonce, nonce)).toBe(true);
    offline.reply(1, 'again');
    await drain();
    expect(second).toEqual({ state: 'resolved', value: 'again' });
  });

  it('a begin with no answer fails at the deadline, and so do the calls that waited for it', async () => {
    const offline = await OfflineSession.open({ deadlineMs: DEADLINE_MS, retryMs: RETRY_MS });
    const begin = track(offline.session.begin());
    const call = track(offline.session.invoke('m1', [], { deadlineMs: DEADLINE_MS * 2 }));
    offline.link.clock.advance(DEADLINE_MS);
    await drain();
    expect([begin.code, call.code]).toEqual(['STEAD_E_DEADLINE', 'STEAD_E_DEADLINE']);
    expect(offline.calls).toHaveLength(0);
  });
});

describe('the end of an instance', () => {
  it('end waits for the calls, takes the next seq, and the next call begins a new instance', async () => {
    const { offline, outcomes } = await sessionAt({ window: 2, made: 2, replies: [] });
    const ended = track(offline.session.end());
    await drain();
    expect(offline.ends).toHaveLength(0);
    offline.reply(1);
    offline.reply(2);
    await drain();
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['resolved', 'resolved']);
    expect(offline.ends.map((frame) => frame.seq)).toEqual([3]);
    const later = track(offline.session.call('later'));
    await drain();
    expect(offline.calls.at(-1)?.method).toBe('m2');
    offline.reply(3, null);
    await drain();
    expect(ended.state).toBe('resolved');
    expect(offline.begins).toHaveLength(2);
    offline.answerBegin();
    expect(offline.calls.at(-1)).toMatchObject({ seq: 1, answered: 0, method: 'later' });
    expect(later.state).toBe('pending');
  });
});
