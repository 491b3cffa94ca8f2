import { bytesEqual } from '../../../shared/bytes.js';
import type { SteadError } from '../../../shared/errors.js';
import { parseBegun } from '../../../shared/wire/codec.js';
import type { ReplyFrame } from '../../../shared/wire/frames.js';
import { STRAY, type Answer, type AnswerView } from './answer.js';

/**
 * A reply answers the blob request, the begin or the end in flight (seq 0 and its token, or the
 * end's seq and nonce), or a call of the current instance by its seq. A reply to anything else
 * is a duplicate of one already taken, or answers a call that already failed: nothing to do.
 */
export function replyAnswer(frame: ReplyFrame, view: AnswerView): Answer {
  if (frame.seq === 0 && bytesEqual(frame.ref, view.blobRef)) return { to: 'blob-status', frame };
  if (view.begin && frame.seq === 0 && bytesEqual(frame.ref, view.begin.ref)) return begunAnswer(frame.value);
  if (view.end && frame.seq === view.end.seq && bytesEqual(frame.ref, view.end.ref)) return { to: 'ended', error: null };
  if (!bytesEqual(frame.ref, view.nonce)) return STRAY;
  const call = view.calls.get(frame.seq);
  return call ? { to: 'call', call, value: frame.value } : STRAY;
}

function begunAnswer(value: unknown): Answer {
  try {
    return { to: 'begun', begun: parseBegun(value) };
  } catch (error) {
    return { to: 'begin-failed', error: error as SteadError };
  }
}
