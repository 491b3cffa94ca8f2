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
