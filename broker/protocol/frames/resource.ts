import { SteadError } from '../../../shared/errors.js';
import { Verb, type ResourceFrame } from '../../../shared/wire/frames.js';
import { keptAnswer, liveResource, requestKey } from '../../record/resources.js';
import { refuse, send, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * A request on the session address space (DESIGN §6), `[8, ref, verb, session, key, value,
 * options]`, arriving on the topic of session `channel`. Decides only: the answer kept for a
 * request sent again, a refusal, or a run — a transaction of its own, whose write commits before
 * its answer leaves (the output gate, rule 7). The frame can name only sessions of the proxy whose
 * topic it came on, and publishing there was authorized when it arrived (broker/auth).
 */
export function resourceStep(view: ProtocolView, channel: string, frame: ResourceFrame, now: number): Step {
  const malformed = shapeError(frame);
  if (malformed) return refuse(channel, frame.ref, 0, new SteadError('MALFORMED_FRAME', malformed));
  // A write sent again (its answer lost) gets the answer it had: never a second effect. Only the
  // same request on the same channel does: a ref is the client's to choose (requestKey).
  const request = requestKey(channel, frame);
  const kept = keptAnswer(view.record, request);
  if (kept) return send(channel, kept);
  if (frame.options?.again && frame.verb === Verb.source && !liveResource(view.record.sessions.get(frame.session as string), frame.key as string, now)) {
    // Sent again, its answer no longer kept (pushed out by later writes), and nothing there now:
    // the first send may have consumed a once-only value. "Absent" would lose it silently.
    return refuse(channel, frame.ref, 0, new SteadError('OUTCOME_UNKNOWN', 'the SOURCE was sent before and its answer is no longer kept; a once-only value may have been consumed by it'));
  }
  return { record: null, durable: false, releases: [], run: { kind: 'resource', session: channel, frame, request } };
}

/** Which parts of the address each verb needs; null when the frame has them. */
function shapeError(frame: ResourceFrame): string | null {
  switch (frame.verb) {
    case Verb.new:
      return frame.session === null && frame.key === null ? null : 'NEW names the proxy only (session and key null)';
    case Verb.list:
      return frame.key === null ? null : 'a listing names a proxy or a session, not a key';
    case Verb.source:
    case Verb.sink:
    case Verb.exists:
    case Verb.delete:
      return frame.session !== null && frame.key !== null ? null : 'this verb names a resource (session and key)';
  }
}
