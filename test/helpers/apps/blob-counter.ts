import { defineProxy } from '../../../broker/index.js';

interface CounterState {
  count: number;
  apiToken?: string;
}

/**
 * A counter that keeps sealed session blobs (docs/sessions.md); `apiToken` is secret. `graceMs`:
 * how long a proxy the store does not hold answers only its blob keepers (default 10 s).
 */
export function blobCounter(name = 'counter', ttlMs?: number, graceMs?: number) {
  return defineProxy<CounterState>({
    name,
    blobs: ttlMs === undefined && graceMs === undefined ? true : { ttlMs, graceMs },
    secret: ['apiToken'],
    init: () => ({ count: 0 }),
    methods: {
      inc: (ctx) => ++ctx.state.count,
      read: (ctx) => ctx.state.count,
      /** Counts and remembers how far the device got (DESIGN §4: the memento). */
      step: (ctx, n: number) => {
        ctx.remember(n);
        return ++ctx.state.count;
      },
      /** A secret field, a once-only resource and a kept one. */
      setup: (ctx) => {
        ctx.state.apiToken = 'sk-secret';
        ctx.resources.sink(ctx.session as string, 'otp', 'one-time-code', { once: true });
        ctx.resources.sink(ctx.session as string, 'color', 'blue');
        return true;
      },
    },
  });
}

/** For `stead broker --app` (child-process tests). */
export default blobCounter();
