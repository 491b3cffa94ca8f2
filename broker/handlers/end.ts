import { SteadError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/random.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind, type EndFrame } from '../../shared/wire/frames.js';
import type { Proxy } from '../proxy/proxy.js';

/** Rule 8: end clears nonce and memento; a second end is harmless; a stale nonce fails. */
export function handleEnd(proxy: Proxy, session: string, frame: EndFrame): void {
  const s = proxy.record.sessions.get(session);
  const done = encodeFrame({ kind: Kind.reply, ref: frame.nonce, seq: frame.seq, value: null });
  if (s && bytesEqual(s.endedNonce, frame.nonce)) return proxy.send(session, done);
  if (!s?.nonce || !bytesEqual(s.nonce, frame.nonce)) {
    return proxy.sendError(session, frame.nonce, frame.seq, new SteadError('STALE_INSTANCE', 'end from an instance that is not current'));
  }
  proxy.dropHeld(session);
  s.endedNonce = s.nonce;
  s.nonce = null;
  s.memento = null;
  s.beginToken = null;
  s.begunReply = null;
  s.replies.clear();
  s.lastSeq = 0;
  proxy.commitBookkeeping([{ session, bytes: done }]);
}
