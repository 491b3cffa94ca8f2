import { defineProxy } from '../../../broker/index.js';

/** Proxy types whose `init` goes wrong: it throws, or it returns a promise. */
export const throwingInitApp = defineProxy<{ count: number }>({
  name: 'throwing-init',
  init: () => {
    throw new Error('init failed');
  },
  methods: {
    count: (ctx) => ctx.state.count,
  },
});

export const asyncInitApp = defineProxy<{ count: number }>({
  name: 'async-init',
  // A mistake the types let through when S is unknown to the author: init returns a promise.
  init: (async () => ({ count: 5 })) as unknown as () => { count: number },
  methods: {
    count: (ctx) => ctx.state.count,
    bump: (ctx) => ++ctx.state.count,
  },
});
