import { SteadError, isCachedReply } from '../../shared/errors.js';
import type { CallFrame } from '../../shared/wire/frames.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { withSession, withoutTimer, type DurableTimer, type ProxyRecord, type SessionRecord } from '../record/record.js';
import { errorBytes, replyBytes, toSteadError } from '../record/replies.js';
import { seenAt, seenIsStale } from '../record/idle.js';
import { answered } from '../record/session-steps.js';
import { checkArgs } from '../transaction/check-args.js';
import { runMethod } from '../transaction/run-method.js';
import { Transaction, type Outcome, type Release, type TransactionEnv } from '../transaction/transaction.js';

/**
 * The app code a proxy runs, each in a transaction of its own (DESIGN §4 rules 5–6): a call's
 * method, the pulse, a due timer. Each returns the outcome (a promise only when the app code
 * returned one); the proxy commits it.
 */

export function runCall(env: TransactionEnv, type: ProxyType, record: ProxyRecord, session: string, frame: CallFrame): Outcome | Promise<Outcome> {
  const method = type.methods.get(frame.method);
  if (!method) return { ok: false, error: new SteadError('UNKNOWN_METHOD', `${type.name} has no method ${frame.method}`) };
  return runMethod(new Transaction(env, record, session), (ctx) => {
    if (method.args) checkArgs(frame.method, method.args, frame.args);
    return method.run(ctx, ...(frame.args as never[]));
  }, env.clock, env.limits.methodTimeoutMs);
}

export function runPulse(env: TransactionEnv, type: ProxyType, record: ProxyRecord): Outcome | Promise<Outcome> {
  const pulse = type.pulse;
  if (!pulse) return { ok: true, value: undefined, record: null, notifications: [] };
  return runMethod(new Transaction(env, record, null), (ctx) => pulse.run(ctx), env.clock, env.limits.methodTimeoutMs);
}

/** A due timer runs on the record without it: its removal commits with the method's effect. */
export function runTimer(env: TransactionEnv, type: ProxyType, record: ProxyRecord, due: DurableTimer): Outcome | Promise<Outcome> {
  const method = type.methods.get(due.method);
  if (!method) return { ok: false, error: new SteadError('UNKNOWN_METHOD', `timer method ${due.method} is gone`) };
  return runMethod(new Transaction(env, withoutTimer(record, due.id), null), (ctx) => method.run(ctx, ...(due.args as never[])), env.clock, env.limits.methodTimeoutMs);
}

/** What a call's outcome becomes: the proxy's next record, what to send, whether to commit first. */
export interface Answer {
  record: ProxyRecord;
  releases: Release[];
  /** Rule 7: the method changed something (or the session's lastSeen must be written), so the record is written before anything leaves. */
  durable: boolean;
  /** The error the call was answered with, if any (for the metrics). */
  error: SteadError | null;
}

/**
 * Rules 6–7 for a call: the reply (or the error) is encoded and checked — a return value the
 * device could not take fails the call here — and joins the session's reply cache in the new
 * record. Nothing of the proxy changes here.
 */
export function answerCall(record: ProxyRecord, session: string, frame: CallFrame, outcome: Outcome, env: TransactionEnv, idleTtlMs: number | null): Answer {
  let result = outcome;
  let reply: Uint8Array | null = null;
  if (result.ok) {
    try {
      reply = replyBytes(frame.nonce, frame.seq, result.value, env.limits);
    } catch (error) {
      result = { ok: false, error: toSteadError(error) };
    }
  }
  if (!result.ok) {
    result = { ok: false, error: asCallAnswer(result.error) };
    reply = errorBytes(frame.nonce, frame.seq, result.error);
  }
  const changed = result.ok ? result.record : null;
  const base = changed ?? record;
  let s = answered(base.sessions.get(session) as SessionRecord, frame.seq, reply as Uint8Array, frame.answered, env.limits.replyCacheSize);
  // A call is activity (record/idle.ts): written with a commit, or when the sweep must learn of it.
  const durable = changed !== null || seenIsStale(s, env.clock.now(), idleTtlMs);
  if (durable) s = seenAt(s, env.clock.now());
  const next = withSession(base, session, s);
  const releases: Release[] = [{ session, bytes: reply as Uint8Array }];
  if (result.ok) releases.push(...result.notifications);
  return { record: next, releases, durable, error: result.ok ? null : result.error };
}

/** Only codes that answer a call leave as its answer; any other is the app's error (see isCachedReply). */
function asCallAnswer(error: SteadError): SteadError {
  if (isCachedReply(error.code)) return error;
  return new SteadError('APP_ERROR', error.message, { cause: error, data: { name: 'SteadError', code: error.code } });
}
