import { defineProxy } from '../../../broker/index.js';

interface TimerState {
  /** Timer index → how many times it fired (exactly once is the point). */
  fired: Record<string, number>;
}

/** A proxy app for the durable-timer tests: schedules timers, counts their firings. */
export default defineProxy<TimerState>({
  name: 'timers',
  init: () => ({ fired: {} }),
  methods: {
    /**
     * Sets timer i to fire `fire(i)` at now + offsets[i]; each firing notifies `watcher` (if
     * given) with i. Returns the proxy's now, so the caller knows when they come due.
     */
    schedule: {
      args: ['array', 'string?'],
      run(ctx, offsets: number[], watcher?: string) {
        const now = ctx.now();
        offsets.forEach((offset, i) => ctx.at(now + offset, 'fire', watcher === undefined ? [i] : [i, watcher]));
        return now;
      },
    },
    fire: {
      args: ['integer', 'string?'],
      run(ctx, i: number, watcher?: string) {
        ctx.state.fired[i] = (ctx.state.fired[i] ?? 0) + 1;
        if (watcher !== undefined) ctx.notify(i, watcher);
      },
    },
    read: { args: [], run: (ctx) => ctx.state.fired },
  },
});
