import { defineProxy, type CommitEvent, type ProxyContext, type QueuePolicy } from '../../../broker/index.js';

/**
 * A proxy type for the session lifecycle: visits, mementos, queues bounded every way, notify
 * with a customizer, and an onCommit hook a test can point anywhere (`hooks.onCommit`).
 */
export interface LifeState {
  count: number;
}

export const hooks: { onCommit: ((event: CommitEvent) => void | Promise<void>) | null } = { onCommit: null };

type Ctx = ProxyContext<LifeState>;

/** Customizers by name: what `greet` shapes each session's copy with. */
const CUSTOMIZERS: Record<string, (ctx: Ctx) => (session: string, payload: unknown) => unknown> = {
  /** Greets in the language the session declared at begin; skips the session named `muted`. */
  lang: (ctx) => (session, payload) => {
    if (session === 'muted') return undefined;
    const info = ctx.visits(session)?.info as { lang?: string } | null;
    return `${String(payload)} (${info?.lang ?? '??'}) to ${session}`;
  },
  throws: () => (session) => {
    if (session === 'b') throw new Error('no copy for b');
    return 'fine';
  },
  notPlain: () => (session) => (session === 'b' ? new Map() : 'fine'),
  changes: (ctx) => (session) => {
    ctx.state.count = 99;
    ctx.notify('sneaky', session);
    return 'fine';
  },
  skipsAll: () => () => undefined,
};

export const lifecycleApp = defineProxy<LifeState>({
  name: 'life',
  init: () => ({ count: 0 }),
  methods: {
    read: (ctx) => ctx.state.count,
    bump: (ctx) => ++ctx.state.count,
    visits: { args: ['string?'], run: (ctx, session?: string) => ctx.visits(session) },
    step: { args: ['integer'], run(ctx, i: number) {
      ctx.remember(i);
      return ++ctx.state.count;
    } },
    tell: { args: ['any', 'string', 'string?'], run(ctx, payload: unknown, session: string, key?: string) {
      ctx.notify(payload, session, key === undefined ? {} : { key });
    } },
    limit: { args: ['string', 'integer', 'string?'], run(ctx, session: string, length: number, policy?: QueuePolicy) {
      ctx.limitQueue(length, session, policy);
    } },
    queue: { args: ['string'], run: (ctx, session: string) => ctx.outq(session).map((item) => item.payload) },
    sessions: (ctx) => ctx.sessionIds().sort(),
    /** Notifies every session through the named customizer; counts the customizer's calls. */
    greet: { args: ['string', 'boolean?'], run(ctx, customizer: string, catchIt?: boolean) {
      ctx.state.count++;
      const make = CUSTOMIZERS[customizer] as (ctx: Ctx) => (session: string, payload: unknown) => unknown;
      const shape = make(ctx);
      let calls = 0;
      const customize = (session: string, payload: unknown): unknown => {
        calls++;
        return shape(session, payload);
      };
      try {
        ctx.notify('hello', /./, { customize });
      } catch (error) {
        if (!catchIt) throw error;
      }
      return calls;
    } },
    /** Notifies `existing`, then a new session past the limit; catches the refusal. */
    tellPastLimit: { args: ['string', 'string'], run(ctx, existing: string, fresh: string) {
      ctx.notify('first', existing);
      try {
        ctx.notify('second', fresh);
      } catch {
        return 'caught';
      }
      return 'sent';
    } },
  },
  onCommit: (event) => hooks.onCommit?.(event),
});
