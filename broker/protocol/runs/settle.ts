import { SteadError, isCachedReply } from '../../../shared/errors.js';
import type { CallFrame, ResourceFrame } from '../../../shared/wire/frames.js';
import { seenAt, seenIsStale } from '../../record/idle.js';
import { withSession, withoutTimer, type DurableTimer, type ProxyRecord, type SessionRecord } from '../../record/record.js';
import { errorBytes, replyBytes, toSteadError } from '../../record/replies.js';
import { withKeptAnswer } from '../../record/resource-channels.js';
import { answered } from '../../record/session-steps.js';
import type { Outcome, Release } from '../../transaction/transaction.js';
import { recordBoundError } from '../record-bound.js';
import { NOTHING, type Run, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/** What a run's outcome comes to: the next Step, decided on the record the run started from. */
export function settle(view: ProtocolView, run: Run, outcome: Outcome, now: number): Step {
  switch (run.kind) {
    case 'call':
      return settleCall(view, run.session, run.frame, outcome, now);
    case 'timer':
      return settleTimer(view, run.due, outcome);
    case 'pulse':
      return settlePulse(view, outcome);
    case 'resource':
      return settleResource(view, run.session, run.frame, outcome, now);
  }
}

/**
 * Rules 6–7 for a call: the reply (or the error) is encoded and checked — a return value the
 * device could not take fails the call here — and joins the session's reply cache. A method that
 * changed nothing writes nothing; its reply still leaves in order. A method whose commit would
 * grow the record past its bound fails with RECORD_TOO_LARGE, as if it had thrown.
 */
function settleCall(view: ProtocolView, session: string, frame: CallFrame, outcome: Outcome, now: number): Step {
  let result = outcome;
  let reply: Uint8Array | null = null;
  if (result.ok) {
    try {
      reply = replyBytes(frame.nonce, frame.seq, result.value, view.limits);
    } catch (error) {
      result = { ok: false, error: toSteadError(error) };
    }
  }
  if (!result.ok) {
    result = { ok: false, error: asCallAnswer(result.error) };
    reply = errorBytes(frame.nonce, frame.seq, result.error);
  }
  const changed = result.ok ? result.record : null;
  const base = changed ?? view.record;
  const before = base.sessions.get(session) as SessionRecord;
  let s = answered(before, frame.seq, reply as Uint8Array, frame.answered);
  // A call is activity (record/idle.ts): written with a commit, or when the sweep must learn of it;
  // the first answer after a restore is written too, so a reload does not bring the mark back.
  const durable = changed !== null || seenIsStale(s, now, view.idleTtlMs) || before.restored === true;
  if (durable) s = seenAt(s, now);
  const releases: Release[] = [{ session, bytes: reply as Uint8Array }];
  if (result.ok) releases.push(...result.notifications);
  const record = withSession(base, session, s);
  const tooLarge = changed ? recordBoundError(view, record) : null;
  if (tooLarge) return settleCall(view, session, frame, { ok: false, error: tooLarge }, now);
  const step: Step = { record, durable, releases, answers: true, after: { session, seq: frame.seq } };
  return result.ok ? step : { ...step, error: result.error };
}

/** Only codes that answer a call leave as its answer; any other is the app's error (see isCachedReply). */
function asCallAnswer(error: SteadError): SteadError {
  if (isCachedReply(error.code)) return error;
  return new SteadError('APP_ERROR', error.message, { cause: error, data: { name: 'SteadError', code: error.code } });
}

/**
 * A fired timer's removal is a change of its own: committed even if the method changed nothing or
 * failed (a method that would grow the record past its bound fails).
 */
function settleTimer(view: ProtocolView, due: DurableTimer, outcome: Outcome): Step {
  const base = withoutTimer(view.record, due.id);
  const dropped = (error: SteadError): Step => ({ record: base, durable: true, releases: [], warning: { message: 'timer method failed; timer dropped', error, timer: due.method } });
  if (!outcome.ok) return dropped(outcome.error);
  const tooLarge = outcome.record && recordBoundError(view, outcome.record);
  return tooLarge ? dropped(tooLarge) : { record: outcome.record ?? base, durable: true, releases: outcome.notifications };
}

function settlePulse(view: ProtocolView, outcome: Outcome): Step {
  const error = outcome.ok ? outcome.record && recordBoundError(view, outcome.record) : outcome.error;
  if (error) return { ...NOTHING, warning: { message: 'pulse failed', error } };
  return outcome.ok && outcome.record ? { record: outcome.record, durable: true, releases: outcome.notifications } : NOTHING;
}

/**
 * A resource verb's answer. A request that changed the record keeps its answer in that record,
 * in its channel under its seq (record/resource-channels.ts), so the answer commits with the effect
 * and the same request sent again gets it, not a second effect. The request is its client's
 * activity on the session it names.
 */
function settleResource(view: ProtocolView, channel: string, frame: ResourceFrame, outcome: Outcome, now: number): Step {
  let result = outcome;
  if (result.ok) {
    try {
      const bytes = replyBytes(frame.ref, frame.seq, result.value, view.limits);
      const next = seen(view, result.record, frame.session, now);
      // Only a write's answer is kept: a read (written only to mark its session seen) runs
      // again harmlessly, and keeping its answer (a listing: up to a frame) would bloat the record.
      const record = next && result.record ? withKeptAnswer(next, channel, frame, bytes) : next;
      const tooLarge = result.record && record ? recordBoundError(view, record) : null;
      if (!tooLarge) return { record, durable: record !== null, releases: [{ session: channel, bytes }] };
      result = { ok: false, error: tooLarge };
    } catch (error) {
      result = { ok: false, error: toSteadError(error) };
    }
  }
  return { record: null, durable: false, releases: [{ session: channel, bytes: errorBytes(frame.ref, frame.seq, result.error) }], error: result.error };
}

/**
 * A client using a session's resources is using the session (docs/sessions.md, idle sessions):
 * a write marks it seen, so the sweep never takes a value written a moment ago; a read, like a
 * read-only call, writes that only once `lastSeen` lags (record/idle.ts). Null: nothing to write.
 */
function seen(view: ProtocolView, changed: ProxyRecord | null, name: string | null, now: number): ProxyRecord | null {
  const record = changed ?? view.record;
  const s = name === null ? undefined : record.sessions.get(name);
  if (!s || (changed === null && !seenIsStale(s, now, view.idleTtlMs))) return changed;
  return withSession(record, name as string, seenAt(s, now));
}
