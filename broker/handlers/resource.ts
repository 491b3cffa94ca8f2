import { SteadError } from '../../shared/errors.js';
import { Verb, type ResourceFrame } from '../../shared/wire/frames.js';
import { liveResource, requestKey } from '../record/resources.js';
import type { SessionView, Verdict } from './verdict.js';

/**
 * A request on the session address space (DESIGN §6), `[8, ref, verb, session, key, value,
 * options]`, arriving on the topic of session `channel`. Decides only: the answer kept for a
 * request sent again, a refusal, or a run — which the proxy carries out as a transaction of its
 * own, committing a write before its answer leaves (the output gate, rule 7).
 */
export function handleResource(view: SessionView, channel: string, frame: ResourceFrame): Verdict {
  // The check point for authorization (issue 8): who may use which address of this proxy.
  const denied = mayUse(view, channel, frame);
  if (denied) return refuse(frame, denied);
  const malformed = shapeError(frame);
  if (malformed) return refuse(frame, new SteadError('MALFORMED_FRAME', malformed));
  // A write sent again (its answer lost) gets the answer it had: never a second effect. Only the
  // same request on the same channel does: a ref is the client's to choose (requestKey).
  const request = requestKey(channel, frame);
  const kept = view.resourceAnswer(request);
  if (kept) return { kind: 'send', bytes: kept };
  if (frame.options?.again && frame.verb === Verb.source && !liveResource(view.session(frame.session as string), frame.key as string, view.now())) {
    // Sent again, its answer no longer kept (pushed out by later writes), and nothing there now:
    // the first send may have consumed a once-only value. "Absent" would lose it silently.
    return refuse(frame, new SteadError('OUTCOME_UNKNOWN', 'the SOURCE was sent before and its answer is no longer kept; a once-only value may have been consumed by it'));
  }
  return { kind: 'resource', frame, request };
}

/**
 * Whether the sender on `channel` may use this address: null when it may, else the refusal.
 * Every sender may, until identity and authorization land (issue 8) and decide it here.
 */
function mayUse(_view: SessionView, _channel: string, _frame: ResourceFrame): SteadError | null {
  return null;
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

function refuse(frame: ResourceFrame, error: SteadError): Verdict {
  return { kind: 'refuse', ref: frame.ref, seq: 0, error };
}
