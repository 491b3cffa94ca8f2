import { isSteadError } from '../../shared/errors.js';

/** The STEAD_E_ code a function throws, `'no error'`, or what it threw instead of a SteadError. */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isSteadError(error) ? error.code : `not a SteadError: ${String(error)}`;
  }
  return 'no error';
}

/** The STEAD_E_ code a promise rejects with, `'no error'`, or what it rejected with instead. */
export async function codeOfAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return isSteadError(error) ? error.code : `not a SteadError: ${String(error)}`;
  }
  return 'no error';
}
