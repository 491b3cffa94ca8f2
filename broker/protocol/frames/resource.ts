import { bytesEqual } from '../../../shared/bytes.js';
import { SteadError } from '../../../shared/errors.js';
import { Verb, type ResourceFrame } from '../../../shared/wire/frames.js';
import { channelOf, mayBeForgotten, requestDigest } from '../../record/resource-channels.js';
import { liveResource } from '../../record/resources.js';
import { refuse, send, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * A request on the session address space (DESIGN §6), `[8, ref, seq, answered, verb, …]`,
 * arriving on the topic of session `channel`. Decides only: the answer kept for a request sent
 * again, a refusal, or a run — a transaction of its own, whose write commits before its answer
 * leaves (the output gate, rule 7). The frame can name only sessions of the proxy whose topic it
 * came on, and publishing there was authorized when it arrived (broker/auth).
 *
 * Rule 3 holds for resource requests as for calls: the client's channel (the topic's session and
 * its ref) numbers its requests, and a write at or below the channel's mark never runs again.
 */
export function resourceStep(view: ProtocolView, channel: string, frame: ResourceFrame, now: number): Step {
  const malformed = shapeError(frame);
  if (malformed) return refuse(channel, frame.ref, frame.seq, new SteadError('MALFORMED_FRAME', malformed));
  // The channel keeps the answers above the client's `answered`: a span wider than it keeps
  // would push out an answer the client may still ask for.
  if (frame.seq - frame.answered > view.limits.maxWindow) {
    return refuse(channel, frame.ref, frame.seq, new SteadError('WINDOW_EXCEEDED', `seq ${frame.seq} is more than ${view.limits.maxWindow} past answered ${frame.answered}`));
  }
  const known = channelOf(view.record, channel, frame.ref);
  const kept = known?.answers.get(frame.seq);
  if (kept) {
    // A write sent again gets the answer it had: never a second effect. The same ref and seq
    // naming another request is the client's error, never a way to someone's consumed value.
    if (bytesEqual(kept.digest, requestDigest(frame))) return send(channel, kept.bytes);
    return refuse(channel, frame.ref, frame.seq, new SteadError('MALFORMED_FRAME', `seq ${frame.seq} of this channel was another request`));
  }
  if (known && frame.seq <= known.answered) {
    // Its client settled it (its answer, or a deadline): a late copy, never run again.
    return refuse(channel, frame.ref, frame.seq, new SteadError('OUTCOME_UNKNOWN', `seq ${frame.seq} is at or below the channel's mark (${known.answered}); it is not run again`));
  }
  if (frame.options?.again && mayBeForgotten(view.record, known, frame.seq)) {
    // Sent before, on a channel the record no longer vouches for: a write may have run, and a
    // SOURCE that finds nothing may have consumed a once-only value. "Absent" would lose it.
    const unknown = frame.verb === Verb.source
      ? !liveResource(view.record.sessions.get(frame.session as string), frame.key as string, now)
      : WRITES.has(frame.verb);
    if (unknown) return refuse(channel, frame.ref, frame.seq, new SteadError('OUTCOME_UNKNOWN', 'the request was sent before on a channel the proxy has forgotten; it may have run'));
  }
  return { record: null, durable: false, releases: [], run: { kind: 'resource', session: channel, frame } };
}

/** Verbs that always change the record when they succeed (a SOURCE only when it consumes). */
const WRITES: ReadonlySet<number> = new Set([Verb.new, Verb.sink, Verb.delete]);

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
