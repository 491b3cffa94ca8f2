import { SteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { bytesEqual } from '../../shared/random.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';
import { MethodContext, type ContextHost } from './context.js';
import { Effects, checkEffects } from './effects.js';
import { toSteadError } from './replies.js';

/** What a transaction produced: the value and buffered effects, or the error (draft dropped). */
export type Outcome =
  | { ok: true; value: unknown; effects: Effects; stateBytes: Uint8Array | null }
  | { ok: false; error: SteadError };

export interface DraftHost extends ContextHost<unknown> {
  readonly limits: Limits;
}

/**
 * DESIGN §4 rules 5–6: runs app code on the draft state with every effect buffered. A throw (or
 * an effect that cannot apply, or a state over the limit) drops the draft. `stateBytes` is the
 * new encoded state, or null when the state did not change. Returns a promise only when the app
 * code did.
 */
export function runTransaction(host: DraftHost, session: string | null, body: (ctx: MethodContext<unknown>) => unknown): Outcome | Promise<Outcome> {
  const effects = new Effects();
  let value: unknown;
  try {
    value = body(new MethodContext<unknown>(host, session, effects));
  } catch (error) {
    return fail(host, error);
  }
  if (value instanceof Promise) {
    return value.then(
      (resolved: unknown) => finish(host, resolved, effects),
      (error: unknown) => fail(host, error),
    );
  }
  return finish(host, value, effects);
}

/** Rule 6: drop the draft by decoding the last committed state. */
export function rollback(host: DraftHost): void {
  host.state = decodeValue(host.record.stateBytes);
}

function finish(host: DraftHost, value: unknown, effects: Effects): Outcome {
  try {
    checkEffects(host.record, effects);
    const stateBytes = encodeValue(host.state);
    if (stateBytes.length > host.limits.maxStateBytes) {
      throw new SteadError('STATE_TOO_LARGE', `state of ${stateBytes.length} bytes exceeds ${host.limits.maxStateBytes}`);
    }
    return { ok: true, value, effects, stateBytes: bytesEqual(stateBytes, host.record.stateBytes) ? null : stateBytes };
  } catch (error) {
    return fail(host, error);
  }
}

function fail(host: DraftHost, error: unknown): Outcome {
  rollback(host);
  return { ok: false, error: toSteadError(error) };
}
