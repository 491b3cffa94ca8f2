import { SteadError } from '../../../shared/errors.js';
import { Kind, type Frame } from '../../../shared/wire/frames.js';
import type { Answer, AnswerView } from './answer.js';
import { errorAnswer } from './error.js';
import { helloAnswer } from './hello.js';
import { replyAnswer } from './reply.js';

/** One handler per kind of frame the proxy sends on a session's topic (DESIGN §5). */
export function answerTo(frame: Frame, view: AnswerView): Answer {
  switch (frame.kind) {
    case Kind.reply:
      return replyAnswer(frame, view);
    case Kind.error:
      return errorAnswer(frame, view);
    case Kind.notify:
      return { to: 'notification', frame };
    case Kind.blob:
      return { to: 'blob', frame };
    case Kind.hello:
      return helloAnswer(frame);
    default:
      return { to: 'report', error: new SteadError('MALFORMED_FRAME', `unexpected frame kind ${frame.kind} from the proxy`) };
  }
}
