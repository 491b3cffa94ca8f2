// A broken scenario on purpose: device 0 buys twice in its first step but states one effect, as
// a gadget that retried a buy under a new instance would (the hole DESIGN §4 closes). The
// simulator's invariant must catch it.
import { defineScenario } from '../../../device/sim/index.js';
import toaster from '../../../examples/toaster/scenario.js';

export default defineScenario({
  ...toaster,
  name: 'double-buy',
  async step(ctx) {
    if (ctx.index === 0 && ctx.memory.bought === 0) {
      const shop = `toaster/sim-${ctx.runId}-0`;
      await ctx.call(ctx.session(shop, `till-${ctx.index}`), 'buy', 'bread');
    }
    await toaster.step(ctx);
  },
});
