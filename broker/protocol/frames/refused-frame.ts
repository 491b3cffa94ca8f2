import type { SteadError } from '../../../shared/errors.js';
import type { Frame } from '../../../shared/wire/frames.js';
import { refuse, type Step } from '../step.js';
import { correlation } from './correlation.js';

/** A frame the proxy could not take (its record would not load): the reason, matched to the frame. */
export function refusedFrame(session: string, frame: Frame, error: SteadError): Step {
  const [ref, seq] = correlation(frame);
  return refuse(session, ref, seq, error);
}
