import {
  BUNDLE_REPORT_METHOD,
  bundleNotification,
  parseBundle,
  parseBundleReport,
  type BundleReport,
} from '../../shared/bundle.js';
import type { MethodSpec, ProxyContext } from './define-proxy.js';

/**
 * The proxy side of timed command bundles (DESIGN §9). A device reports each bundle's outcome
 * once per bundle, but may send the same report again (after a crash before it learned that
 * its call committed, the agent sends it anew under a new instance), so the proxy records
 * reports keyed by bundle id: a second report of the same bundle changes nothing.
 */

/** Where a proxy keeps the reports it has recorded: plain data inside its state. */
export interface BundleLedger {
  reports: Record<string, BundleReport>;
  /** Ids in the order first recorded, oldest first, to bound the ledger. */
  order: string[];
}

export const emptyBundleLedger = (): BundleLedger => ({ reports: {}, order: [] });

/** The answer of the report method: whether this call recorded the report, or it was already. */
export interface BundleReportReceipt {
  id: string;
  first: boolean;
}

/**
 * Records a report once (throws BAD_BUNDLE for a malformed one). A ledger keeps the latest
 * `keep` reports; a report older than those would be recorded again, so `keep` should exceed the
 * bundles a device can have unacknowledged (the agent acknowledges each after its call commits).
 */
export function recordBundleReport(ledger: BundleLedger, value: unknown, keep = 256): { first: boolean; report: BundleReport } {
  const report = parseBundleReport(value);
  if (Object.prototype.hasOwnProperty.call(ledger.reports, report.id)) return { first: false, report: ledger.reports[report.id] as BundleReport };
  ledger.reports[report.id] = report;
  ledger.order.push(report.id);
  while (ledger.order.length > keep) delete ledger.reports[ledger.order.shift() as string];
  return { first: true, report };
}

/**
 * The `bundleReport` method for a proxy type: `methods: { [BUNDLE_REPORT_METHOD]:
 * bundleReportMethod((state) => state.bundles, onReport) }`. `onReport` runs only for the first
 * report of a bundle, in the same transaction, so what it does happens once per bundle.
 */
export function bundleReportMethod<S>(
  ledgerOf: (state: S) => BundleLedger,
  onReport?: (ctx: ProxyContext<S>, report: BundleReport) => void,
): MethodSpec<S> {
  return {
    args: ['object'],
    run(ctx: ProxyContext<S>, value: unknown): BundleReportReceipt {
      const { first, report } = recordBundleReport(ledgerOf(ctx.state), value);
      if (first) onReport?.(ctx, report);
      return { id: report.id, first };
    },
  };
}

/** Sends a bundle to a gadget's session (checked first: BAD_BUNDLE). */
export function sendBundle<S>(ctx: ProxyContext<S>, session: string, bundle: unknown): void {
  ctx.notify(bundleNotification(parseBundle(bundle)), session);
}

export { BUNDLE_REPORT_METHOD };
