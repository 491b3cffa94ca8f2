import { SteadError } from '../../shared/errors.js';
import { Kind, type Frame } from '../../shared/wire/frames.js';
import { handleAck } from './ack.js';
import { handleBegin } from './begin.js';
import { handleBlob } from './blob.js';
import { handleCall } from './call.js';
import { handleEnd } from './end.js';
import { handleHello } from './hello.js';
import { handleResource } from './resource.js';
import type { SessionView, Verdict } from './verdict.js';

export type { SessionView, Update, Verdict } from './verdict.js';
export { correlation, type Correlation } from './correlation.js';

/** One handler per frame kind (STYLE: the dispatcher is only a switch). */
export function handleFrame(view: SessionView, session: string, frame: Frame): Verdict {
  switch (frame.kind) {
    case Kind.call:
      return handleCall(view, session, frame);
    case Kind.begin:
      return handleBegin(view, session, frame);
    case Kind.end:
      return handleEnd(view, session, frame);
    case Kind.ack:
      return handleAck(view, session, frame);
    case Kind.hello:
      return handleHello(view, session, frame);
    case Kind.resource:
      return handleResource(view, session, frame);
    case Kind.blob:
      return handleBlob(view, session, frame);
    case Kind.reply:
    case Kind.notify:
    case Kind.error:
      return { kind: 'refuse', ref: null, seq: 0, error: new SteadError('MALFORMED_FRAME', `frame kind ${frame.kind} only goes from proxy to device`) };
  }
}
