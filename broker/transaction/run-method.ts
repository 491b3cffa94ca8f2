import type { Clock } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { MethodContext } from './context.js';
import type { Outcome, Transaction } from './transaction.js';

/**
 * Runs app code in a transaction (rules 5–6). Synchronous code (the common case) finishes
 * without a promise. Asynchronous code gets `timeoutMs` (DESIGN §4: the proxy must move on): past
 * it the transaction is abandoned with METHOD_TIMEOUT, and whatever the code does later meets a
 * closed context. App code may return any thenable: one whose `then` throws, or that settles
 * twice, still settles the transaction exactly once.
 */
export function runMethod(tx: Transaction, body: (ctx: MethodContext<unknown>) => unknown, clock: Clock, timeoutMs: number): Outcome | Promise<Outcome> {
  let value: unknown;
  let then: unknown;
  try {
    value = body(new MethodContext<unknown>(tx));
    then = typeof value === 'object' || typeof value === 'function' ? (value as { then?: unknown } | null)?.then : undefined;
  } catch (error) {
    return tx.fail(error);
  }
  if (typeof then !== 'function') return tx.finish(value);
  return new Promise<Outcome>((resolve) => {
    const settle = (outcome: Outcome): void => {
      clock.clearTimeout(timer);
      resolve(outcome);
    };
    const timer = clock.setTimeout(() => {
      resolve(tx.abandon(new SteadError('METHOD_TIMEOUT', `method did not settle within ${timeoutMs} ms`)));
    }, timeoutMs);
    try {
      (then as (onValue: (v: unknown) => void, onError: (e: unknown) => void) => void).call(
        value,
        (resolved) => settle(tx.finish(resolved)),
        (error) => settle(tx.fail(error)),
      );
    } catch (error) {
      settle(tx.fail(error));
    }
  });
}
