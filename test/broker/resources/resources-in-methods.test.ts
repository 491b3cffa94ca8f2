import { describe, expect, it } from 'vitest';
import { defineProxy, type ProxyContext, type SessionResources } from '../../../broker/index.js';
import { isSteadError } from '../../../shared/errors.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { ManualClock } from '../../helpers/manual-clock.js';

type Ctx = ProxyContext<{ calls: number }>;

/** The resources of an earlier method, kept past its end. */
let kept: SessionResources | null = null;

/** An app that uses its session address space from its methods (DESIGN §6). */
const vault = defineProxy<{ calls: number }>({
  name: 'vault',
  init: () => ({ calls: 0 }),
  methods: {
    put: (ctx: Ctx, session: string, key: string, value: unknown, options?: { ttlMs?: number; once?: boolean }) => {
      ctx.resources.sink(session, key, value, options);
    },
    take: (ctx: Ctx, session: string, key: string) => ctx.resources.source(session, key) ?? null,
    putAndRead: (ctx: Ctx, key: string, value: unknown) => {
      ctx.resources.sink('mine', key, value);
      return [ctx.resources.exists('mine', key), ctx.resources.source('mine', key), ctx.resources.keys('mine')];
    },
    putThenThrow: (ctx: Ctx, key: string) => {
      ctx.state.calls++;
      ctx.resources.sink('mine', key, 'never');
      throw new Error('changed my mind');
    },
    takeThenThrow: (ctx: Ctx, key: string) => {
      ctx.resources.source('mine', key);
      throw new Error('changed my mind');
    },
    deleteThenThrow: (ctx: Ctx, key: string) => {
      ctx.resources.delete('mine', key);
      throw new Error('changed my mind');
    },
    catchesLimit: (ctx: Ctx) => {
      ctx.resources.sink('mine', 'one', 1);
      try {
        ctx.resources.sink('mine', 'two', 2);
      } catch (error) {
        if (!isSteadError(error, 'RESOURCE_LIMIT')) throw error;
      }
      return 'carried on';
    },
    assign: (ctx: Ctx, name: string) => {
      const id = ctx.resources.newSession();
      ctx.resources.sink(id, 'name', name);
      return id;
    },
    keep: (ctx: Ctx) => {
      kept = ctx.resources;
    },
    useKept: () => kept?.sink('mine', 'late', 1),
  },
});

describe('session resources from proxy code (DESIGN §6)', () => {
  const env = brokerOnDemand();
  const start = async (options = {}) => (await env.start({ apps: [vault], ...options })).session('vault/v1', 'main');

  it('a method writes a resource that commits with it; devices and later methods read it', async () => {
    const main = await start();
    await main.call('put', 'kitchen', 'cart', ['bread']);
    expect(await main.call('take', 'kitchen', 'cart')).toEqual(['bread']);
    expect(await env.device.resources('vault/v1').source('kitchen', 'cart')).toEqual(['bread']);
  });

  it("a method's reads see its own writes", async () => {
    const main = await start();
    expect(await main.call('putAndRead', 'k', { a: 1 })).toEqual([true, { a: 1 }, ['k']]);
  });

  it('a method that throws leaves no resource change: no write, no consumption, no delete', async () => {
    const main = await start();
    const r = env.device.resources('vault/v1');
    await expect(main.call('putThenThrow', 'k')).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
    expect(await r.exists('mine', 'k')).toBe(false);
    await r.sink('mine', 'once', 'secret', { once: true });
    await expect(main.call('takeThenThrow', 'once')).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
    await r.sink('mine', 'kept', 'v');
    await expect(main.call('deleteThenThrow', 'kept')).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
    expect(await r.source('mine', 'once')).toBe('secret');
    expect(await r.source('mine', 'kept')).toBe('v');
  });

  it('a once-only value read by a method is consumed with its commit', async () => {
    const main = await start();
    await main.call('put', 'kitchen', 'code', 'c-1', { once: true });
    expect(await main.call('take', 'kitchen', 'code')).toBe('c-1');
    expect(await main.call('take', 'kitchen', 'code')).toBeNull();
  });

  it('a TTL runs on the injected clock', async () => {
    const clock = new ManualClock();
    const main = await start({ clock });
    await main.call('put', 'kitchen', 'token', 't', { ttlMs: 500 });
    expect(await main.call('take', 'kitchen', 'token')).toBe('t');
    clock.advance(500);
    expect(await main.call('take', 'kitchen', 'token')).toBeNull();
  });

  it('a refused write the method caught still fails the call, and nothing of it is written', async () => {
    const main = await start({ limits: { maxResourcesPerSession: 1 } });
    await expect(main.call('catchesLimit')).rejects.toMatchObject({ code: 'STEAD_E_RESOURCE_LIMIT' });
    expect(await env.device.resources('vault/v1').keys('mine')).toEqual([]);
  });

  it('NEW from a method: a server-assigned session the device can then use', async () => {
    const main = await start();
    const id = (await main.call('assign', 'alice')) as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await env.device.resources('vault/v1').source(id, 'name')).toBe('alice');
    const assigned = env.device.session('vault/v1', id);
    await assigned.begin();
    expect(await assigned.call('take', id, 'name')).toBe('alice');
  });

  it('the resources of a settled method are closed to it (CONTEXT_CLOSED)', async () => {
    const main = await start();
    await main.call('keep');
    await expect(main.call('useKept')).rejects.toMatchObject({ code: 'STEAD_E_CONTEXT_CLOSED' });
    expect(await env.device.resources('vault/v1').exists('mine', 'late')).toBe(false);
  });
});
