import { SteadError } from '../../../shared/errors.js';
import type { CallFrame } from '../../../shared/wire/frames.js';
import type { ProxyType } from '../../apps/define-proxy.js';
import { withoutTimer, type DurableTimer, type ProxyRecord } from '../../record/record.js';
import { checkArgs } from '../../transaction/check-args.js';
import { runMethod } from '../../transaction/run-method.js';
import { Transaction, type Outcome, type TransactionEnv } from '../../transaction/transaction.js';
import type { Run } from '../step.js';
import { performResource } from './resource-verbs.js';

/**
 * Runs what a Step asked for, each in a transaction of its own (DESIGN §4 rules 5–6): a call's
 * method, a due timer, the pulse, a resource verb. The outcome is a promise only when app code
 * returned one; `settle` turns it into the next Step.
 */
export function perform(env: TransactionEnv, type: ProxyType, record: ProxyRecord, run: Run): Outcome | Promise<Outcome> {
  switch (run.kind) {
    case 'call':
      return performCall(env, type, record, run.session, run.frame);
    case 'timer':
      return performTimer(env, type, record, run.due);
    case 'pulse':
      return performPulse(env, type, record);
    case 'resource':
      return performResource(env, record, run.frame);
  }
}

function performCall(env: TransactionEnv, type: ProxyType, record: ProxyRecord, session: string, frame: CallFrame): Outcome | Promise<Outcome> {
  const method = type.methods.get(frame.method);
  if (!method) return { ok: false, error: new SteadError('UNKNOWN_METHOD', `${type.name} has no method ${frame.method}`) };
  return runMethod(new Transaction(env, record, session), (ctx) => {
    if (method.args) checkArgs(frame.method, method.args, frame.args);
    return method.run(ctx, ...(frame.args as never[]));
  }, env.clock, env.limits.methodTimeoutMs);
}

function performPulse(env: TransactionEnv, type: ProxyType, record: ProxyRecord): Outcome | Promise<Outcome> {
  const pulse = type.pulse;
  if (!pulse) return { ok: true, value: undefined, record: null, notifications: [] };
  return runMethod(new Transaction(env, record, null), (ctx) => pulse.run(ctx), env.clock, env.limits.methodTimeoutMs);
}

/** A due timer runs on the record without it: its removal commits with the method's effect. */
function performTimer(env: TransactionEnv, type: ProxyType, record: ProxyRecord, due: DurableTimer): Outcome | Promise<Outcome> {
  const method = type.methods.get(due.method);
  if (!method) return { ok: false, error: new SteadError('UNKNOWN_METHOD', `timer method ${due.method} is gone`) };
  return runMethod(new Transaction(env, withoutTimer(record, due.id), null), (ctx) => method.run(ctx, ...(due.args as never[])), env.clock, env.limits.methodTimeoutMs);
}
