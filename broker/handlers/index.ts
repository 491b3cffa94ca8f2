import { SteadError } from '../../shared/errors.js';
import { Kind, type Frame } from '../../shared/wire/frames.js';
import type { Proxy } from '../proxy/proxy.js';
import { handleAck } from './ack.js';
import { handleBegin } from './begin.js';
import { handleCall } from './call.js';
import { handleEnd } from './end.js';
import { handleHello } from './hello.js';

/** One handler per frame kind (STYLE: the dispatcher is only a switch). */
export function handleFrame(proxy: Proxy, session: string, frame: Frame): Promise<void> | void {
  switch (frame.kind) {
    case Kind.call:
      return handleCall(proxy, session, frame);
    case Kind.begin:
      return handleBegin(proxy, session, frame);
    case Kind.end:
      return handleEnd(proxy, session, frame);
    case Kind.ack:
      return handleAck(proxy, session, frame);
    case Kind.hello:
      return handleHello(proxy, session, frame);
    case Kind.reply:
    case Kind.notify:
    case Kind.error:
      return proxy.sendError(session, null, 0, new SteadError('MALFORMED_FRAME', `frame kind ${frame.kind} only goes from proxy to device`));
  }
}
