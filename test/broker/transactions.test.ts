import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { defineProxy } from '../../broker/index.js';
import toaster from '../helpers/apps/toaster.js';
import { connectDevice } from '../../device/index.js';
import { startBroker, withBrokerAndDevice } from '../helpers/broker.js';
import { it, test } from '../helpers/fixtures.js';

const lab = defineProxy({
  name: 'lab',
  init: () => ({ pulses: 0, blob: '', log: [] as string[] }),
  pulse: {
    every: 10,
    run(ctx) {
      ctx.state.pulses++;
    },
  },
  methods: {
    pulses: { args: [], run: (ctx) => ctx.state.pulses },
    /** Keeps the inbox busy without blocking the event loop. */
    wait: { args: ['integer'], run: (_ctx, ms: number) => new Promise((resolve) => setTimeout(resolve, ms)) },
    grow: { args: ['integer'], run: (ctx, bytes: number) => void (ctx.state.blob = 'x'.repeat(bytes)) },
    echo: { args: ['integer'], run: (_ctx, bytes: number) => 'y'.repeat(bytes) },
    note: { args: ['string'], run: (ctx, text: string) => void ctx.state.log.push(text) },
    log: { args: [], run: (ctx) => ctx.state.log },
  },
});

describe('transactions', () => {
  const env = withBrokerAndDevice({ apps: [toaster, lab] });

  it('a method that changed nothing writes nothing', async () => {
    const shop = env.device.session('toaster/reads', 'kitchen');
    await shop.call('buy', 'bread');
    const before = env.broker.committer.stats.writes;
    for (let i = 0; i < 20; i++) await shop.call('counters');
    expect(env.broker.committer.stats.writes).toBe(before);
    await shop.call('buy', 'bread');
    expect(env.broker.committer.stats.writes).toBe(before + 1);
  });

  it('pulses coalesce while the inbox is busy', async () => {
    const session = env.device.session('lab/coalesce', 'main');
    const before = (await session.call('pulses')) as number;
    await session.call('wait', 300);
    const after = (await session.call('pulses')) as number;
    // 300 ms at a 10 ms pulse would queue ~30 pulses; coalesced, one waits, plus the few that
    // fire between the calls (slack for a loaded machine, still far below 30).
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(6);
  });

  it('refuses a state over the limit with STATE_TOO_LARGE and keeps the old state', async () => {
    const session = env.device.session('lab/big', 'main');
    await session.call('note', 'kept');
    await expect(session.call('grow', 2 * 1024 * 1024)).rejects.toMatchObject({ code: 'STEAD_E_STATE_TOO_LARGE' });
    expect(await session.call('log')).toEqual(['kept']);
  });

  it('refuses a reply that does not fit one frame with REPLY_TOO_LARGE', async () => {
    const session = env.device.session('lab/echo', 'main');
    await expect(session.call('echo', 70_000)).rejects.toMatchObject({ code: 'STEAD_E_REPLY_TOO_LARGE' });
    expect(await session.call('echo', 3)).toBe('yyy');
  });

  it('persists every session of a shared proxy exactly, after interleaved writes, reads and acks', async ({ tempDir }) => {
    const store = `sqlite:${join(tempDir, 'stead.db')}`;
    const first = await startBroker({ apps: [toaster], store });
    const d1 = await connectDevice({ url: first.url });
    const names = ['a', 'b', 'c', 'd'];
    const sessions = names.map((name) => d1.session('toaster/shared', name));
    await Promise.all(sessions.map((s) => s.begin()));
    for (let round = 0; round < 5; round++) {
      for (const [i, s] of sessions.entries()) {
        await s.call('buy', names[i] as string, round * 10 + i);
        if (round % 2 === 0) await s.call('counters');
      }
    }
    await d1.close();
    await first.close();
    const second = await startBroker({ apps: [toaster], store });
    const d2 = await connectDevice({ url: second.url });
    const again = names.map((name) => d2.session('toaster/shared', name));
    for (const [i, s] of again.entries()) expect(await s.begin()).toEqual({ memento: 40 + i, crashed: true });
    expect(await again[0]?.call('counters')).toEqual({ a: 5, b: 5, c: 5, d: 5 });
    await d2.close();
    await second.close();
  });

  it('keeps state, sessions and mementos across a broker restart on the same SQLite file', async ({ tempDir }) => {
    const store = `sqlite:${join(tempDir, 'stead.db')}`;
    const first = await startBroker({ apps: [toaster], store });
    const d1 = await connectDevice({ url: first.url });
    const shop = d1.session('toaster/durable', 'kitchen');
    await shop.begin();
    await shop.call('buy', 'bread', 0);
    await shop.call('buy', 'bread', 1);
    await d1.close();
    await first.close();
    const second = await startBroker({ apps: [toaster], store });
    const d2 = await connectDevice({ url: second.url });
    const again = d2.session('toaster/durable', 'kitchen');
    expect(await again.begin()).toEqual({ memento: 1, crashed: true });
    expect(await again.call('counters')).toEqual({ bread: 2 });
    await d2.close();
    await second.close();
  });
});

describe('a full inbox', () => {
  test.override('brokerOptions', { apps: [lab], limits: { maxInbox: 1 } });
  test.override('deviceOptions', { session: { retryMs: 50 } });

  it('refuses with INBOX_FULL, and the device retries the same seq until it is taken', async ({ broker, device }) => {
    const busy = device.session('lab/full', 'busy');
    const others = ['a', 'b', 'c'].map((name) => device.session('lab/full', name));
    await busy.call('pulses');
    const waiting = busy.call('wait', 300);
    // Three more requests while the proxy waits: at most one fits in its inbox.
    const notes = others.map((s, i) => s.call('note', `n${i}`));
    await expect(Promise.all([waiting, ...notes])).resolves.toHaveLength(4);
    expect(broker.metrics.get('STEAD_E_INBOX_FULL')).toBeGreaterThan(0);
    expect(((await busy.call('log')) as string[]).sort()).toEqual(['n0', 'n1', 'n2']);
  });
});
