import { bytesEqual } from '../../../shared/bytes.js';
import { deviceReaction, isErrorCode, SteadError } from '../../../shared/errors.js';
import type { ErrorFrame } from '../../../shared/wire/frames.js';
import { PAST, RETRY, type Answer, type AnswerView } from './answer.js';

/**
 * An error frame: the request it answers, and what the session does, as the error catalogue says
 * for its code (shared/errors.ts, docs/errors.md). A code this version does not know is the app's.
 */
export function errorAnswer(frame: ErrorFrame, view: AnswerView): Answer {
  const error = new SteadError(isErrorCode(frame.code) ? frame.code : 'APP_ERROR', frame.message, { data: frame.data });
  if (bytesEqual(frame.ref, view.blobRef)) return { to: 'blob-refused', ref: frame.ref, error };
  const reaction = deviceReaction(error.code);
  if (reaction === 'retry') return RETRY;
  if (view.begin && frame.seq === 0 && bytesEqual(frame.ref, view.begin.ref)) return { to: 'begin-failed', error };
  if (view.end && frame.seq === view.end.seq && bytesEqual(frame.ref, view.end.ref)) return { to: 'ended', error };
  // Seq 0 with a nonce answers no request: the proxy refused that instance's ack or hello.
  const aboutInstance = frame.seq === 0 && frame.ref !== null;
  if (!bytesEqual(frame.ref, view.nonce)) return aboutInstance ? PAST : { to: 'report', error };
  const call = aboutInstance ? null : view.calls.get(frame.seq);
  if (call === undefined) return { to: 'report', error };
  if (reaction === 'fenced') return { to: 'fenced', error };
  if (reaction === 'begin') return { to: 'instance-over', error };
  return call ? { to: 'call-failed', call, error } : { to: 'report', error };
}
