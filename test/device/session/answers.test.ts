import { describe, expect, it } from 'vitest';
import type { Answer, AnswerView } from '../../../device/session/answers/answer.js';
import { answerTo } from '../../../device/session/answers/dispatch.js';
import { CallWindow } from '../../../device/session/call-window.js';
import type { PendingCall } from '../../../device/session/pending.js';
import { code, type ErrorKey } from '../../../shared/errors.js';
import { begunValue } from '../../../shared/wire/codec.js';
import { Kind, type Frame } from '../../../shared/wire/frames.js';

// What an incoming frame means to a session, as a table: rows of (what the session waits for,
// frame) → answer. The session applies the answer; here nothing is applied, no socket is open.

const bytes = (n: number): Uint8Array => new Uint8Array(8).fill(n);
const NONCE = bytes(1);
const OLD_NONCE = bytes(2);
const BEGIN_TOKEN = bytes(3);
const BLOB_REF = bytes(4);

function call(method: string): PendingCall {
  return { method, args: [], seq: 0, bytes: null, answered: 0, sentAt: 0, deadlineAt: Infinity, resolve: () => {}, reject: () => {} };
}

/** An instance with calls 1 and 2 in flight (seq 3 waits), plus whatever `over` sets. */
function view(over: Partial<AnswerView> = {}): AnswerView {
  const calls = new CallWindow(2);
  for (const method of ['one', 'two', 'three']) calls.queue(call(method));
  calls.admit();
  calls.admit();
  return { nonce: NONCE, begin: null, end: null, calls, blobRef: null, ...over };
}

const beginning = (): AnswerView => view({ nonce: null, begin: { ref: BEGIN_TOKEN } });
const ending = (): AnswerView => view({ end: { ref: NONCE, seq: 3 } });
const keepingBlobs = (): AnswerView => view({ blobRef: BLOB_REF });

const reply = (ref: Uint8Array, seq: number, value: unknown = 'ok'): Frame => ({ kind: Kind.reply, ref, seq, value });
const error = (ref: Uint8Array | null, seq: number, key: ErrorKey | string): Frame => ({
  kind: Kind.error,
  ref,
  seq,
  code: key.startsWith('STEAD_E_') ? key : code(key as ErrorKey),
  message: 'from the proxy',
  data: null,
});

/** The answer, with the call it settles named by its method and the error by its code. */
function summary(answer: Answer): Record<string, unknown> {
  const out: Record<string, unknown> = { to: answer.to };
  if ('why' in answer) out.why = answer.why;
  if ('call' in answer) out.call = answer.call.method;
  if ('value' in answer) out.value = answer.value;
  if ('error' in answer) out.error = (answer.error as { code?: string } | null)?.code ?? null;
  return out;
}

describe('what a reply means', () => {
  it.each<[string, () => AnswerView, Frame, Record<string, unknown>]>([
    ['a reply to call 1 settles it', view, reply(NONCE, 1, 42), { to: 'call', call: 'one', value: 42 }],
    ['a reply to call 2 before call 1 settles call 2', view, reply(NONCE, 2), { to: 'call', call: 'two', value: 'ok' }],
    ['a reply to a seq not in flight (a duplicate of one taken) is stray', view, reply(NONCE, 3), { to: 'none', why: 'stray' }],
    ['a reply of an older instance is stray', view, reply(OLD_NONCE, 1), { to: 'none', why: 'stray' }],
    ['a reply with no instance is stray', () => view({ nonce: null }), reply(NONCE, 1), { to: 'none', why: 'stray' }],
    ['the begin token at seq 0 begins the instance', beginning, reply(BEGIN_TOKEN, 0, begunValue({ nonce: NONCE, memento: 'm', crashed: true })), { to: 'begun' }],
    ['a begin answer of the wrong shape fails the begin', beginning, reply(BEGIN_TOKEN, 0, ['no']), { to: 'begin-failed', error: 'STEAD_E_MALFORMED_FRAME' }],
    ['the begin token at another seq answers nothing', beginning, reply(BEGIN_TOKEN, 1), { to: 'none', why: 'stray' }],
    ['the end’s seq and nonce end the instance', ending, reply(NONCE, 3, null), { to: 'ended', error: null }],
    ['the blob request’s ref at seq 0 is its status', keepingBlobs, reply(BLOB_REF, 0, 'restored'), { to: 'blob-status' }],
  ])('%s', (_name, waiting, frame, expected) => {
    expect(summary(answerTo(frame, waiting()))).toEqual(expected);
  });

  it('a begin answer carries the new nonce, memento and crashed', () => {
    const answer = answerTo(reply(BEGIN_TOKEN, 0, begunValue({ nonce: NONCE, memento: { at: 7 }, crashed: true })), beginning());
    expect(answer).toEqual({ to: 'begun', begun: { nonce: NONCE, memento: { at: 7 }, crashed: true } });
  });
});

describe('what an error frame means (the catalogue’s device reaction)', () => {
  it.each<[string, () => AnswerView, Frame, Record<string, unknown>]>([
    ['fail: a cached app error fails its call, the instance goes on', view, error(NONCE, 1, 'APP_ERROR'), { to: 'call-failed', call: 'one', error: 'STEAD_E_APP_ERROR' }],
    ['fail: a code this version does not know is the app’s', view, error(NONCE, 2, 'STEAD_E_FROM_THE_FUTURE'), { to: 'call-failed', call: 'two', error: 'STEAD_E_APP_ERROR' }],
    ['retried, a full inbox took nothing; the timer resends the same seq', view, error(NONCE, 1, 'INBOX_FULL'), { to: 'none', why: 'retry' }],
    ['retried, a store failure took nothing', view, error(NONCE, 2, 'STORE_FAILURE'), { to: 'none', why: 'retry' }],
    ['retry wins over any match, even of the begin', beginning, error(BEGIN_TOKEN, 0, 'VERSION_CONFLICT'), { to: 'none', why: 'retry' }],
    ['fenced: a newer instance holds the session', view, error(NONCE, 1, 'STALE_INSTANCE'), { to: 'fenced', error: 'STEAD_E_STALE_INSTANCE' }],
    ['begin: a retry older than the reply cache may have run', view, error(NONCE, 1, 'STALE_REQUEST'), { to: 'instance-over', error: 'STEAD_E_STALE_REQUEST' }],
    ['begin: a gap that did not fill', view, error(NONCE, 2, 'OUT_OF_ORDER'), { to: 'instance-over', error: 'STEAD_E_OUT_OF_ORDER' }],
    ['begin: the proxy has no instance', view, error(NONCE, 1, 'NOT_BEGUN'), { to: 'instance-over', error: 'STEAD_E_NOT_BEGUN' }],
    ['a refusal of the current instance’s ack or hello (seq 0) ends it', view, error(NONCE, 0, 'STALE_INSTANCE'), { to: 'fenced', error: 'STEAD_E_STALE_INSTANCE' }],
    ['a fail-code refusal of the current instance’s ack is nobody’s', view, error(NONCE, 0, 'MALFORMED_FRAME'), { to: 'report', error: 'STEAD_E_MALFORMED_FRAME' }],
    ['a refusal of a past instance’s ack or hello changes nothing', view, error(OLD_NONCE, 0, 'STALE_INSTANCE'), { to: 'none', why: 'past' }],
    ['an error of a past instance’s call goes to onError', view, error(OLD_NONCE, 1, 'STALE_INSTANCE'), { to: 'report', error: 'STEAD_E_STALE_INSTANCE' }],
    ['an error for a seq not in flight goes to onError', view, error(NONCE, 3, 'APP_ERROR'), { to: 'report', error: 'STEAD_E_APP_ERROR' }],
    ['an error with no ref goes to onError', view, error(null, 0, 'MALFORMED_FRAME'), { to: 'report', error: 'STEAD_E_MALFORMED_FRAME' }],
    ['an error to the begin fails it, whatever its reaction', beginning, error(BEGIN_TOKEN, 0, 'SESSION_LIMIT'), { to: 'begin-failed', error: 'STEAD_E_SESSION_LIMIT' }],
    ['an error to the end finishes it', ending, error(NONCE, 3, 'STALE_INSTANCE'), { to: 'ended', error: 'STEAD_E_STALE_INSTANCE' }],
    ['a refused blob request is the blob’s, before any retry', keepingBlobs, error(BLOB_REF, 0, 'BLOB_STALE'), { to: 'blob-refused', error: 'STEAD_E_BLOB_STALE' }],
    ['a partial restore is the blob request’s answer too', keepingBlobs, error(BLOB_REF, 0, 'BLOB_PARTIAL'), { to: 'blob-refused', error: 'STEAD_E_BLOB_PARTIAL' }],
    ['OUTCOME_LOST (a restore older than the replies held) ends the instance', view, error(NONCE, 1, 'OUTCOME_LOST'), { to: 'instance-over', error: 'STEAD_E_OUTCOME_LOST' }],
  ])('%s', (_name, waiting, frame, expected) => {
    expect(summary(answerTo(frame, waiting()))).toEqual(expected);
  });
});

describe('the other frames', () => {
  it.each<[string, Frame, Record<string, unknown>]>([
    ['a notification is delivered', { kind: Kind.notify, seq: 4, payload: 'p', dropped: 0 }, { to: 'notification' }],
    ['a sealed blob is kept', { kind: Kind.blob, ref: null, blob: bytes(9) }, { to: 'blob' }],
    ['a marker is kept beside the blob', { kind: Kind.blob, ref: null, blob: null, marker: bytes(9) }, { to: 'blob' }],
    ['a hello answer names the horizon and epoch', { kind: Kind.hello, version: 1, acked: 5, agent: 'p', nonce: null, epoch: bytes(7) }, { to: 'hello' }],
    ['a hello answer without an epoch: the proxy keeps no queue for the session', { kind: Kind.hello, version: 1, acked: 0, agent: 'p', nonce: null, epoch: null }, { to: 'hello' }],
    ['a frame only devices send is malformed here', { kind: Kind.ack, nonce: NONCE, seq: 1 }, { to: 'report', error: 'STEAD_E_MALFORMED_FRAME' }],
  ])('%s', (_name, frame, expected) => {
    expect(summary(answerTo(frame, view()))).toEqual(expected);
  });

  it('a hello answer carries the horizon and epoch', () => {
    const answer = answerTo({ kind: Kind.hello, version: 1, acked: 5, agent: 'p', nonce: null, epoch: bytes(7) }, view());
    expect(answer).toEqual({ to: 'hello', horizon: 5, epoch: bytes(7) });
  });

  it('a hello answer without an epoch has no queue, so no horizon', () => {
    const answer = answerTo({ kind: Kind.hello, version: 1, acked: 5, agent: 'p', nonce: null, epoch: null }, view());
    expect(answer).toEqual({ to: 'hello', horizon: 0, epoch: null });
  });
});
