import { describe, expect, it } from 'vitest';
import { runProblems, type VerdictInput } from '../../../device/sim/verdict.js';

/** When a simulated run passes: rows of (run figures) → the problems it reports. */

const passing: VerdictInput = {
  devices: 10, started: 10, steps: 5, calls: 50, errors: {}, invariants: [{ name: 'counted once', ok: true }], faulty: false, errorBudget: 0, connectError: null,
};

const rows: { name: string; run: Partial<VerdictInput>; problems: RegExp[] }[] = [
  { name: 'every device connected, calls succeeded, nothing failed: ok', run: {}, problems: [] },
  { name: 'a failed invariant says which and why', run: { invariants: [{ name: 'counted once', ok: false, detail: 'shop-1 counted 3' }] }, problems: [/^invariant failed: counted once: shop-1 counted 3$/] },
  { name: 'every call failed BAD_ARGUMENTS: not ok, though the invariant held', run: { calls: 0, errors: { STEAD_E_BAD_ARGUMENTS: 250 } }, problems: [/no call succeeded/, /250 calls failed .* STEAD_E_BAD_ARGUMENTS ×250/] },
  { name: 'app errors without faults count against the budget', run: { errors: { STEAD_E_APP_ERROR: 2 }, errorBudget: 1 }, problems: [/2 calls failed .*budget 1/] },
  { name: 'errors within the budget pass', run: { errors: { STEAD_E_APP_ERROR: 2 }, errorBudget: 2 }, problems: [] },
  { name: 'deadlines and unknown outcomes under injected faults are explained', run: { faulty: true, errors: { STEAD_E_DEADLINE: 7, STEAD_E_OUTCOME_UNKNOWN: 1 } }, problems: [] },
  { name: 'the same codes without faults are not', run: { errors: { STEAD_E_DEADLINE: 1 } }, problems: [/1 call failed/] },
  { name: 'faults do not explain a refused key', run: { faulty: true, errors: { STEAD_E_NOT_AUTHORIZED: 3 } }, problems: [/STEAD_E_NOT_AUTHORIZED ×3/] },
  { name: 'devices that never connected, with the reason', run: { started: 0, calls: 0, connectError: 'STEAD_E_NOT_AUTHORIZED: unknown key' }, problems: [/^10 of 10 devices never connected: STEAD_E_NOT_AUTHORIZED: unknown key$/] },
  { name: 'no steps asked: no calls is fine', run: { steps: 0, calls: 0 }, problems: [] },
];

describe('a simulated run’s verdict', () => {
  for (const row of rows) {
    it(row.name, () => {
      const problems = runProblems({ ...passing, ...row.run });
      expect(problems).toHaveLength(row.problems.length);
      row.problems.forEach((pattern, index) => expect(problems[index]).toMatch(pattern));
    });
  }
});
