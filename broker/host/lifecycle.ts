import { isSteadError, SteadError } from '../../shared/errors.js';

/**
 * One step of a lifecycle (STYLE: lifecycles as named step lists, as aedes' `connectActions`):
 * `start` makes its part of `S`, `stop` undoes it. Start-up runs the steps in order and
 * shutdown the same list backwards, so the order is written once.
 */
export interface LifecycleStep<S> {
  readonly name: string;
  start(state: S): void | Promise<void>;
  stop?(state: S): void | Promise<void>;
}

/** Told of a step whose undo failed while a failed start-up was undone (that error is not the one thrown). */
export type UndoFailure = (step: string, error: unknown) => void;

/**
 * Runs `steps` in order. When step k fails, steps k-1 … 1 are undone, in that order, and the
 * start-up rejects with the step's error: a SteadError as it is (it says what was wrong), any
 * other error (a port in use, say) as START_FAILED naming the step and the system's code, with
 * the error as its cause. Resolves to the shutdown: every step undone in reverse, each even when
 * one before it failed, then rejecting with the first failure.
 */
export async function runSteps<S>(steps: readonly LifecycleStep<S>[], state: S, undoFailed: UndoFailure): Promise<() => Promise<void>> {
  for (const [index, step] of steps.entries()) {
    try {
      await step.start(state);
    } catch (error) {
      await undo(steps.slice(0, index), state, undoFailed);
      throw startFailure(step.name, error);
    }
  }
  return async () => {
    const failures: unknown[] = [];
    await undo(steps, state, (_step, error) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  };
}

/** Undoes `steps` last first; each runs even when one after it in the list failed to stop. */
async function undo<S>(steps: readonly LifecycleStep<S>[], state: S, failed: UndoFailure): Promise<void> {
  for (const step of [...steps].reverse()) {
    try {
      await step.stop?.(state);
    } catch (error) {
      failed(step.name, error);
    }
  }
}

function startFailure(step: string, error: unknown): SteadError {
  if (isSteadError(error)) return error;
  const system = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  return new SteadError('START_FAILED', `${step}: ${detail}`, { cause: error, data: { step, ...(typeof system === 'string' ? { system } : {}) } });
}
