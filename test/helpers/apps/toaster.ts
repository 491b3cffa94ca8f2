import { defineProxy } from '../../../broker/index.js';

/**
 * The toaster shop as a test app (a copy of examples/toaster, which the README shows and may
 * change): each proxy is a shop that counts sales; buy remembers the spree index it is given.
 */
export default defineProxy({
  name: 'toaster',
  init: () => ({ counters: {} as Record<string, number> }),
  methods: {
    /** Counts one sale; a client on a spree passes its index, remembered with the sale. */
    buy: {
      args: ['string', 'any?'],
      run(ctx, item: string, index?: unknown) {
        ctx.state.counters[item] = (ctx.state.counters[item] ?? 0) + 1;
        if (index !== undefined) ctx.remember(index);
        return ctx.state.counters[item];
      },
    },
    counters: { args: [], run: (ctx) => ctx.state.counters },
  },
});
