import { describe, expect, test } from 'vitest';
import { emptyBundleLedger, recordBundleReport } from '../../../broker/index.js';
import type { BundleReport } from '../../../broker/index.js';
import { codeOf } from '../../helpers/errors.js';

const report = (id: string, status: BundleReport['status'] = 'completed'): BundleReport => ({
  id,
  status,
  receivedAt: 1,
  lateMs: status === 'late' ? 1500 : null,
  supersededBy: null,
  commands: status === 'late' ? [] : [{ method: 'on', status: 'done', due: 1, ranAt: 1, error: null }],
});

describe('the proxy-side bundle ledger records each bundle’s report once', () => {
  test('the same report twice: recorded once, the second is not first', () => {
    const ledger = emptyBundleLedger();
    expect(recordBundleReport(ledger, report('b1')).first).toBe(true);
    expect(recordBundleReport(ledger, report('b1')).first).toBe(false);
    expect(ledger.order).toEqual(['b1']);
  });

  test('a later report of the same id does not replace the first (the device reports a bundle once)', () => {
    const ledger = emptyBundleLedger();
    recordBundleReport(ledger, report('b1', 'late'));
    expect(recordBundleReport(ledger, report('b1', 'completed')).report.status).toBe('late');
  });

  test('the ledger keeps the latest `keep` reports', () => {
    const ledger = emptyBundleLedger();
    for (const id of ['a', 'b', 'c']) recordBundleReport(ledger, report(id), 2);
    expect(ledger.order).toEqual(['b', 'c']);
    expect(Object.keys(ledger.reports).sort()).toEqual(['b', 'c']);
  });

  test.each([
    ['not an object', 7],
    ['no id', { ...report('x'), id: '' }],
    ['an unknown status', { ...report('x'), status: 'exploded' }],
    ['a command without a due time', { ...report('x'), commands: [{ method: 'on', status: 'done', ranAt: 1, error: null }] }],
  ])('a malformed report (%s) is BAD_BUNDLE', (_name, value) => {
    expect(codeOf(() => recordBundleReport(emptyBundleLedger(), value))).toBe('STEAD_E_BAD_BUNDLE');
  });
});
