import { defineProxy, type ProxyContext } from '../../../broker/index.js';

/**
 * A proxy type that does what a careless or hostile app author would: values the device cannot
 * decode, oversize payloads, methods that never settle, a context kept past its method.
 */
export interface HostileState {
  count: number;
  pulses: number;
  log: string[];
}

/** Contexts and states kept past their method, for tests to poke at later. */
export const kept: { ctx: ProxyContext<HostileState> | null; state: HostileState | null; lateError: unknown } = {
  ctx: null,
  state: null,
  lateError: null,
};

export const hostileApp = defineProxy<HostileState>({
  name: 'hostile',
  init: () => ({ count: 0, pulses: 0, log: [] }),
  pulse: { every: 100, run: (ctx) => void ctx.state.pulses++ },
  methods: {
    count: (ctx) => ctx.state.count,
    pulses: (ctx) => ctx.state.pulses,
    log: (ctx) => ctx.state.log,
    bump: (ctx) => ++ctx.state.count,
    tell: { args: ['string', 'string'], run: (ctx, session: string, text: string) => ctx.notify(text, session) },
    queue: { args: ['string'], run: (ctx, session: string) => ctx.outq(session).map((item) => item.payload) },
    limit: { args: ['string', 'integer'], run: (ctx, session: string, length: number) => ctx.limitQueue(length, session) },
    grow: { args: ['integer'], run: (ctx, chars: number) => void ctx.state.log.push('g'.repeat(chars)) },
    later: { args: ['integer'], run: (ctx, ms: number) => ctx.at(ctx.now() + ms, 'bump') },
    /** Bumps, remembers i, notifies the session: the spree a device resumes after a crash. */
    step: { args: ['integer'], run: (ctx, i: number) => {
      ctx.state.log.push(`step ${i}`);
      ctx.remember(i);
      return ++ctx.state.count;
    } },
    notifyFunction: (ctx) => {
      ctx.state.count++;
      ctx.notify(() => 'not data', 'phone');
      return 'sent';
    },
    notifyLarge: { args: ['integer'], run: (ctx, bytes: number) => {
      ctx.state.count++;
      ctx.notify('x'.repeat(bytes), 'phone');
      return 'sent';
    } },
    /** A refuse queue of 1 on `alarm`, then two notifies to a RegExp matching it: QUEUE_FULL. */
    overflowNewSession: (ctx) => {
      ctx.state.count++;
      ctx.limitQueue(1, 'alarm', 'refuse');
      ctx.notify('one', /^alarm$/);
      ctx.notify('two', /^alarm$/);
      return 'sent';
    },
    catchesOverflow: (ctx) => {
      ctx.state.count++;
      ctx.limitQueue(1, 'alarm', 'refuse');
      ctx.notify('one', 'alarm');
      try {
        ctx.notify('two', 'alarm');
      } catch {
        return 'caught';
      }
      return 'not refused';
    },
    returnDate: (ctx) => {
      ctx.state.count++;
      return new Date(0);
    },
    returnDeep: { args: ['integer'], run: (ctx, depth: number) => {
      ctx.state.count++;
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    } },
    rememberDate: (ctx) => {
      ctx.state.count++;
      ctx.remember(new Date(0));
      return 'remembered';
    },
    rememberLarge: { args: ['integer'], run: (ctx, bytes: number) => {
      ctx.remember('m'.repeat(bytes));
      return 'remembered';
    } },
    timerWithFunction: (ctx) => {
      ctx.state.count++;
      ctx.at(ctx.now() + 60_000, 'bump', [() => 1]);
      return 'set';
    },
    throwLong: { args: ['integer'], run: (_ctx, chars: number) => {
      throw new Error('e'.repeat(chars));
    } },
    throwWithData: (_ctx) => {
      const error = new Error('with data') as Error & { code: string };
      error.code = 'APP_SPECIFIC';
      throw error;
    },
    never: (ctx) => {
      ctx.state.count++;
      return new Promise(() => undefined);
    },
    /** Keeps its context and state; a timer later changes them outside any transaction. */
    keep: { args: ['integer'], run: (ctx, delayMs: number) => {
      kept.ctx = ctx;
      kept.state = ctx.state;
      setTimeout(() => {
        try {
          kept.state!.count += 1000;
          kept.ctx!.state.count += 1000;
        } catch (error) {
          kept.lateError = error;
        }
      }, delayMs);
      return 'kept';
    } },
  },
});

export default hostileApp;
