import type { Clock } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { MethodContext } from './context.js';
import type { Outcome, Transaction } from './transaction.js';

/**
 * Runs app code in a transaction (rules 5–6). Synchronous code (the common case) finishes
 * without a promise. Asynchronous code gets `timeoutMs` (DESIGN §4: the proxy must move on): past
 * it the transaction is abandoned with METHOD_TIMEOUT, and whatever the code does later meets a
 * closed context.
 */
export function runMethod(tx: Transaction, body: (ctx: MethodContext<unknown>) => unknown, clock: Clock, timeoutMs: number): Outcome | Promise<Outcome> {
  let value: unknown;
  try {
    value = body(new MethodContext<unknown>(tx));
  } catch (error) {
    return tx.fail(error);
  }
  if (!isThenable(value)) return tx.finish(value);
  return new Promise<Outcome>((resolve) => {
    const timer = clock.setTimeout(() => {
      resolve(tx.abandon(new SteadError('METHOD_TIMEOUT', `method did not settle within ${timeoutMs} ms`)));
    }, timeoutMs);
    value.then(
      (resolved: unknown) => {
        clock.clearTimeout(timer);
        resolve(tx.finish(resolved));
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        resolve(tx.fail(error));
      },
    );
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
