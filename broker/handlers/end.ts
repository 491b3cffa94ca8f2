import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind, type EndFrame } from '../../shared/wire/frames.js';
import { ended } from '../record/session-steps.js';
import type { SessionView, Verdict } from './verdict.js';

/** Rule 8: end clears nonce and memento; a second end is harmless; a stale nonce fails. */
export function handleEnd(view: SessionView, session: string, frame: EndFrame): Verdict {
  const s = view.session(session);
  const done = encodeFrame({ kind: Kind.reply, ref: frame.nonce, seq: frame.seq, value: null });
  if (s && bytesEqual(s.endedNonce, frame.nonce)) return { kind: 'send', bytes: done };
  if (!s?.nonce || !bytesEqual(s.nonce, frame.nonce)) {
    return { kind: 'refuse', ref: frame.nonce, seq: frame.seq, error: new SteadError('STALE_INSTANCE', 'end from an instance that is not current') };
  }
  return { kind: 'update', session: ended(s), send: done, durable: true, dropHeld: true, resendQueue: false };
}
