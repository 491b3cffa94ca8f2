import { bytesEqual } from '../../../shared/bytes.js';
import { SteadError } from '../../../shared/errors.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, type EndFrame } from '../../../shared/wire/frames.js';
import { ended } from '../../record/session-steps.js';
import { bookkeeping } from '../bookkeeping.js';
import { refuse, send, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/** Rule 8: end clears nonce and memento; a second end is harmless; a stale nonce fails. */
export function endStep(view: ProtocolView, session: string, frame: EndFrame, now: number): Step {
  const s = view.record.sessions.get(session);
  const done = encodeFrame({ kind: Kind.reply, ref: frame.nonce, seq: frame.seq, value: null });
  if (s && bytesEqual(s.endedNonce, frame.nonce)) return send(session, done);
  if (!s?.nonce || !bytesEqual(s.nonce, frame.nonce)) {
    return refuse(session, frame.nonce, frame.seq, new SteadError('STALE_INSTANCE', 'end from an instance that is not current'));
  }
  return { ...bookkeeping(view, session, ended(s), true, [{ session, bytes: done }], now), dropHeld: [session] };
}
