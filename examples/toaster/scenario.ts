// A simulator scenario for the toaster shop (examples/toaster/app.ts): every simulated till buys
// bread, one buy per step, and states each buy it knows committed. At the end the invariant reads
// every shop's counter and compares: a duplicate buy or a lost one fails the run.
// Usage: stead simulate --devices 50 --scenario examples/toaster/scenario.ts --broker mqtt://127.0.0.1:1883
import { defineScenario, type SimContext } from '../../device/sim/index.js';

interface Till {
  /** Buys known committed; the next buy carries this index, which the shop remembers. */
  bought: number;
  /** A buy's outcome is unknown (no answer before its deadline): learn it before the next. */
  unsure: boolean;
}

const TILLS_PER_SHOP = 10;

/** Ten tills share a shop (one proxy, ten logical sessions); the run id keeps runs apart. */
function shopOf(ctx: { runId: string; index: number }): string {
  return `toaster/sim-${ctx.runId}-${Math.floor(ctx.index / TILLS_PER_SHOP)}`;
}

function till(ctx: SimContext<Till>) {
  return ctx.session(shopOf(ctx), `till-${ctx.index}`);
}

/**
 * A new begin fences the old instance, so a buy still in flight can no longer commit; the
 * memento (the index of the last buy committed) then says whether the unsure one did.
 */
async function learnOutcome(ctx: SimContext<Till>): Promise<void> {
  const { memento } = await till(ctx).begin();
  const last = typeof memento === 'number' ? memento : -1;
  if (last >= ctx.memory.bought) {
    ctx.effect(shopOf(ctx), last + 1 - ctx.memory.bought);
    ctx.memory.bought = last + 1;
  }
  ctx.memory.unsure = false;
}

export default defineScenario<Till>({
  name: 'toaster',
  memory: () => ({ bought: 0, unsure: false }),
  // A new process begins anew, after a restart too: whatever was in flight is learned here.
  start: learnOutcome,
  async step(ctx) {
    if (ctx.memory.unsure) await learnOutcome(ctx);
    const index = ctx.memory.bought;
    try {
      await ctx.call(till(ctx), 'buy', 'bread', index);
    } catch (error) {
      ctx.memory.unsure = true;
      throw error;
    }
    ctx.memory.bought = index + 1;
    ctx.effect(shopOf(ctx));
  },
  invariants: {
    'every committed buy is counted once (no duplicate, no loss)': async (check) => {
      for (const shop of new Set(check.devices.map(shopOf))) {
        const expected = check.effects.get(shop) ?? 0;
        const counters = (await check.call(shop, 'counters')) as { bread?: number };
        if ((counters.bread ?? 0) !== expected) return `${shop} counted ${counters.bread ?? 0} breads, its tills saw ${expected} committed`;
      }
      return true;
    },
  },
});
