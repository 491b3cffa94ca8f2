import { code as codeOf } from '../../shared/errors.js';
import type { InvariantResult } from './types.js';

/**
 * Codes a faulty network or a crashed device explains: a call whose answer a cut, a drop or a
 * restart kept away, an instance a restart fenced. Any other code (a bad argument, an unknown
 * method, an app error, a refused key) is the scenario's or the broker's, and counts against the
 * run's error budget.
 */
const FAULT_CODES: ReadonlySet<string> = new Set(
  (['DEADLINE', 'OUTCOME_UNKNOWN', 'OUTCOME_LOST', 'CLOSED', 'UNREACHABLE', 'STALE_INSTANCE', 'CALL_PENDING', 'STALE_REQUEST'] as const).map(codeOf),
);

export interface VerdictInput {
  readonly devices: number;
  readonly started: number;
  readonly steps: number;
  readonly calls: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly invariants: readonly InvariantResult[];
  /** Faults (packet faults or restarts) were injected: their codes are explained. */
  readonly faulty: boolean;
  /** Errors allowed that faults do not explain. */
  readonly errorBudget: number;
  /** Why the first device that could not connect failed, if one did. */
  readonly connectError: string | null;
}

/**
 * Whether a run is a pass, as the reasons it is not: every invariant held, the scenario did work
 * (a run where every call failed proves nothing), errors the faults do not explain stay within
 * the budget, and every device connected. Empty: the run passed.
 */
export function runProblems(input: VerdictInput): string[] {
  const problems: string[] = [];
  for (const invariant of input.invariants) if (!invariant.ok) problems.push(`invariant failed: ${invariant.name}${invariant.detail ? `: ${invariant.detail}` : ''}`);
  if (input.started < input.devices) {
    problems.push(`${input.devices - input.started} of ${input.devices} devices never connected${input.connectError ? `: ${input.connectError}` : ''}`);
  }
  if (input.steps > 0 && input.started > 0 && input.calls === 0) problems.push('no call succeeded: the scenario did no work');
  const unexplained = Object.entries(input.errors).filter(([code]) => !(input.faulty && FAULT_CODES.has(code)));
  const count = unexplained.reduce((sum, [, n]) => sum + n, 0);
  if (count > input.errorBudget) {
    const codes = unexplained.map(([code, n]) => `${code} ×${n}`).join(', ');
    problems.push(`${count} call${count === 1 ? '' : 's'} failed with errors no fault explains (budget ${input.errorBudget}): ${codes}`);
  }
  return problems;
}
