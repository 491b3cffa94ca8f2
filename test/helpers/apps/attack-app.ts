import { defineProxy } from '../../../broker/index.js';

/**
 * Methods a hostile app author writes to break the transaction's promises: values that change
 * after they were checked, thenables and errors that throw when looked at, reentrant getters.
 */
export interface AttackState {
  count: number;
}

/** Values kept past their method, for tests to change later. */
export const held: { payload: Record<string, unknown> | null; memento: Record<string, unknown> | null } = {
  payload: null,
  memento: null,
};

export const attackApp = defineProxy<AttackState>({
  name: 'attack',
  init: () => ({ count: 0 }),
  methods: {
    count: (ctx) => ctx.state.count,
    /** Bumps after a short wait: duplicates of its request arrive while it runs. */
    slowBump: async (ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return ++ctx.state.count;
    },
    queued: { args: ['string'], run: (ctx, session: string) => ctx.outq(session).map((item) => item.payload) },
    bump: (ctx) => ++ctx.state.count,
    limit: { args: ['string', 'integer'], run: (ctx, session: string, length: number) => ctx.limitQueue(length, session) },
    /** Notifies `chars` characters of text to a session. */
    tell: { args: ['string', 'integer'], run: (ctx, session: string, chars: number) => ctx.notify('x'.repeat(chars), session) },
    /** Remembers an object, then puts a Date into it: the memento was checked before the change. */
    rememberThenDate: (ctx) => {
      ctx.state.count++;
      const memento: Record<string, unknown> = { step: 1 };
      ctx.remember(memento);
      memento.when = new Date(0);
      return 'remembered';
    },
    /** Notifies an object, then puts a Date into it. */
    notifyThenDate: { args: ['string'], run: (ctx, session: string) => {
      ctx.state.count++;
      const payload: Record<string, unknown> = { n: 1 };
      ctx.notify(payload, session);
      payload.when = new Date(0);
      return 'sent';
    } },
    notifyObject: { args: ['string'], run: (ctx, session: string) => ctx.notify({ n: 1 }, session) },
    /** A read-only method that edits the payload of a queued notification through outq. */
    editQueued: { args: ['string'], run: (ctx, session: string) => {
      const [item] = ctx.outq(session);
      if (item) (item.payload as Record<string, unknown>).n = new Date(0);
      return ctx.state.count;
    } },
    /** Notifies an object and keeps it: app code changes it later, outside any transaction. */
    notifyAndKeep: { args: ['string'], run: (ctx, session: string) => {
      ctx.state.count++;
      held.payload = { n: 1 };
      ctx.notify(held.payload, session);
      return 'sent';
    } },
    /** Returns a thenable whose `then` throws. */
    thenThrows: (ctx) => {
      ctx.state.count++;
      return { then: () => { throw new Error('then threw'); } };
    },
    /** Returns an object whose `then` getter throws. */
    thenGetterThrows: (ctx) => {
      ctx.state.count++;
      return Object.defineProperty({}, 'then', { enumerable: true, get: () => { throw new Error('then getter threw'); } });
    },
    /** Throws an object that cannot be turned into a string. */
    throwBareObject: () => {
      throw Object.create(null) as unknown;
    },
    /** Rejects with an object that cannot be turned into a string. */
    rejectBareObject: async () => {
      await Promise.resolve();
      throw Object.create(null) as unknown;
    },
    /** Throws an Error whose message getter throws. */
    throwMessageGetter: () => {
      const error = new Error('x');
      Object.defineProperty(error, 'message', { get: () => { throw new Error('message getter threw'); } });
      throw error;
    },
    /** Rejects with an Error whose message getter throws. */
    rejectMessageGetter: async () => {
      await Promise.resolve();
      const error = new Error('x');
      Object.defineProperty(error, 'message', { get: () => { throw new Error('message getter threw'); } });
      throw error;
    },
    throwSymbol: () => {
      throw Symbol('sym') as unknown;
    },
    throwString: () => {
      throw 'a string' as unknown;
    },
    /** A getter that is plain when checked and a Date when encoded. */
    returnShifty: (ctx) => {
      ctx.state.count++;
      let reads = 0;
      return { get value() { return reads++ === 0 ? 1 : new Date(0); } };
    },
    returnBig: (ctx) => {
      ctx.state.count++;
      return 2n ** 70n;
    },
    returnBig64: (ctx) => {
      ctx.state.count++;
      return 2n ** 63n;
    },
    returnUndefined: (ctx) => {
      ctx.state.count++;
      return undefined;
    },
    returnSpecial: () => [NaN, -0, Infinity, -Infinity, null],
    returnBuffer: () => Buffer.from('abc'),
    returnFrozen: () => Object.freeze({ a: Object.freeze([1, 2]) }),
    returnSparse: () => {
      const a: unknown[] = [];
      a[3] = 1;
      return a;
    },
    returnProto: () => JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown,
    returnEsProxy: () => new Proxy({ a: 1 }, {}),
    stateDate: (ctx) => {
      (ctx.state as unknown as Record<string, unknown>).when = new Date(0);
      return 'ok';
    },
    stateMap: (ctx) => {
      (ctx.state as unknown as Record<string, unknown>).map = new Map([['a', 1]]);
      return 'ok';
    },
    stateBig: (ctx) => {
      (ctx.state as unknown as Record<string, unknown>).big = 2n ** 70n;
      return 'ok';
    },
    stateFunction: (ctx) => {
      (ctx.state as unknown as Record<string, unknown>).f = () => 1;
      return 'ok';
    },
    stateUndefined: (ctx) => {
      ctx.state = undefined as unknown as AttackState;
      return 'ok';
    },
    readState: (ctx) => ctx.state as unknown,
    /** A payload getter that notifies the same session while the payload is being encoded. */
    reentrantNotify: { args: ['string'], run: (ctx, session: string) => {
      let reads = 0;
      const payload = {
        get inner() {
          // The first read is the plain-data check; the second is the encoder.
          if (reads++ === 1) ctx.notify('inner', session);
          return 'outer';
        },
      };
      ctx.notify(payload, session);
      return 'sent';
    } },
    /** A state getter that notifies while the state is being encoded (after the method returned). */
    stateGetterNotify: { args: ['string'], run: (ctx, session: string) => {
      const count = ctx.state.count + 1;
      let reads = 0;
      ctx.state = {
        count,
        get seen() {
          if (reads++ === 0) ctx.notify('seen', session);
          return true;
        },
      } as AttackState;
      return count;
    } },
    /** A timer at any time (ms since the epoch), for the extremes. */
    timerAt: { args: ['number'], run: (ctx, at: number) => ctx.at(at, 'bump') },
    /** Schedules a timer, then changes its arguments array. */
    timerThenMutate: (ctx) => {
      const args: unknown[] = [1];
      ctx.at(ctx.now() + 60_000, 'bump', args);
      args.push(() => 1);
      ctx.state.count++;
      return 'set';
    },
  },
});

export default attackApp;
