import { ERROR_EXIT_CODE } from './exit-codes.js';

/**
 * The one way `stead` reports an error (docs/cli.md): `STEAD_E_…: message` on stderr, then the
 * exit code the subcommand documents. An error without a Stead code (a library's, a bug) prints
 * as `error: message` the same way.
 */
export function printError(error: unknown, exitCode: number = ERROR_EXIT_CODE): void {
  process.stderr.write(`${errorLine(error)}\n`);
  process.exitCode = exitCode;
}

/** `STEAD_E_…: message`, the line an outcome's error prints as too. */
export function errorLine(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const label = typeof code === 'string' && code.startsWith('STEAD_E_') ? code : 'error';
  return `${label}: ${typeof message === 'string' ? message : String(error)}`;
}

/** Runs a subcommand's work; an error it throws is printed (printError) with `exitCode`. */
export async function reportingErrors(work: () => Promise<void>, exitCode: number = ERROR_EXIT_CODE): Promise<void> {
  try {
    await work();
  } catch (error) {
    printError(error, exitCode);
  }
}
