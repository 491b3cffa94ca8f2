import { SteadError } from '../../../shared/errors.js';
import { Kind, type Frame } from '../../../shared/wire/frames.js';
import { refuse, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';
import { ackStep } from './ack.js';
import { beginStep } from './begin.js';
import { blobStep } from './blob.js';
import { callStep } from './call.js';
import { endStep } from './end.js';
import { helloStep } from './hello.js';
import { resourceStep } from './resource.js';

export { correlation, type Correlation } from './correlation.js';
export { refusedFrame } from './refused-frame.js';

/** One decision per frame kind (STYLE: the dispatcher is only a switch). */
export function frameStep(view: ProtocolView, session: string, frame: Frame, now: number): Step {
  switch (frame.kind) {
    case Kind.call:
      return callStep(view, session, frame);
    case Kind.begin:
      return beginStep(view, session, frame, now);
    case Kind.end:
      return endStep(view, session, frame, now);
    case Kind.ack:
      return ackStep(view, session, frame, now);
    case Kind.hello:
      return helloStep(view, session, frame, now);
    case Kind.resource:
      return resourceStep(view, session, frame, now);
    case Kind.blob:
      return blobStep(view, session, frame, now);
    case Kind.reply:
    case Kind.notify:
    case Kind.error:
      return refuse(session, null, 0, new SteadError('MALFORMED_FRAME', `frame kind ${frame.kind} only goes from proxy to device`));
  }
}
