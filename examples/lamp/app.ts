import {
  BUNDLE_REPORT_METHOD,
  bundleReportMethod,
  defineProxy,
  emptyBundleLedger,
  sendBundle,
  type BundleLedger,
} from '../../broker/index.js';

interface LampState {
  bundles: BundleLedger;
  next: number;
  /** Flashes the gadget reported as completed: counted once per bundle, however often reported. */
  completed: number;
}

/**
 * A lamp gadget's proxy, with timed command bundles (DESIGN §9): a phone asks for a flash; the
 * proxy sends the gadget (session `gadget`) a bundle that switches the lamp on and, as its last
 * command, off again, so the lamp ends off even if a newer bundle or a restart intervenes. The
 * gadget reports each bundle's outcome to `bundleReport`, recorded once per bundle id.
 */
export default defineProxy<LampState>({
  name: 'lamp',
  init: () => ({ bundles: emptyBundleLedger(), next: 1, completed: 0 }),
  methods: {
    flash: {
      args: ['integer'],
      run(ctx, ms: number) {
        const id = `flash-${ctx.state.next++}`;
        // Starts a little ahead, so the bundle reaches the gadget before its start.
        sendBundle(ctx, 'gadget', { id, start: ctx.now() + 200, commands: [{ after: 0, method: 'on', args: [] }, { after: ms, method: 'off', args: [] }] });
        return id;
      },
    },
    [BUNDLE_REPORT_METHOD]: bundleReportMethod<LampState>(
      (state) => state.bundles,
      (ctx, report) => {
        if (report.status === 'completed') ctx.state.completed++;
      },
    ),
    status: {
      args: [],
      run: (ctx) => ({ completed: ctx.state.completed, reports: ctx.state.bundles.order.map((id) => ctx.state.bundles.reports[id]?.status) }),
    },
  },
});
