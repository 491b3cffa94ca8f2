import { defineProxy, type ProxyType } from '../../../broker/index.js';

interface HelloState {
  counter: number;
}

/**
 * caf_session's hello world as a test app (a copy of examples/hello, which the README shows and
 * may change): the pulse counts, notifying session client1 on every second pulse and client2 on
 * every third; both queues keep the latest 10.
 */
export function helloApp(pulseMs = 500): ProxyType {
  return defineProxy<HelloState>({
    name: 'hello',
    init(ctx) {
      ctx.limitQueue(10, 'client1');
      ctx.limitQueue(10, 'client2');
      return { counter: 0 };
    },
    pulse: {
      every: pulseMs,
      run(ctx) {
        ctx.state.counter++;
        if (ctx.state.counter % 2 === 0) ctx.notify([ctx.state.counter], 'client1');
        if (ctx.state.counter % 3 === 0) ctx.notify([ctx.state.counter], 'client2');
      },
    },
    methods: {
      /** Wakes the proxy (its pulse starts) and returns the counter. */
      counter: { args: [], run: (ctx) => ctx.state.counter },
      /** The current session and every queue, as caf_session's sessionInfo. */
      sessionInfo: {
        args: [],
        run(ctx) {
          const info: Record<string, unknown> = { current: ctx.currentSession() };
          for (const id of ctx.sessionIds()) info[id] = ctx.outq(id);
          return info;
        },
      },
      /** Notifies every logical session without knowing them beforehand. */
      notifyAll: { args: ['any'], run: (ctx, msg: unknown) => ctx.notify([msg], /.*/) },
    },
  });
}

export default helloApp();
