import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { openStore, type CommitEvent, type SteadBroker } from '../../../broker/index.js';
import { decodeRecord } from '../../../broker/record/record-codec.js';
import { WAKE_SCAN_MS } from '../../../broker/runtime/wake-scan.js';
import { lifecycleApp } from '../../helpers/apps/lifecycle-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { it, test } from '../../helpers/fixtures.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { until } from '../../helpers/wait.js';

const TTL = 1000;
/** A session goes between TTL and TTL + TTL/4 after its last activity (record/idle.ts). */
const LATEST = TTL + TTL / 4;

/** The next commit event that removed or changed `session`. */
function commitTouching(broker: SteadBroker, session: string): Promise<CommitEvent> {
  return new Promise((resolve) => {
    const listener = (event: CommitEvent): void => {
      if (!event.sessions.includes(session)) return;
      broker.off('commit', listener);
      resolve(event);
    };
    broker.on('commit', listener);
  });
}

async function storedSessions(broker: SteadBroker, key: string): Promise<string[]> {
  const stored = await broker.store.load(key);
  return stored ? [...decodeRecord(stored.record).sessions.keys()].sort() : [];
}

// DESIGN §6: sessions idle past their TTL are swept by the broker itself (docs/sessions.md).
describe('idle sessions', () => {
  const env = brokerOnDemand();

  it('are swept once idle past the TTL, by the broker alone; activity that writes nothing keeps a session', async () => {
    const clock = new ManualClock();
    const device = await env.start({ apps: [lifecycleApp], clock, sessionIdleTtlMs: TTL });
    const active = device.session('life/sweep', 'active');
    const idle = device.session('life/sweep', 'idle');
    await active.begin();
    await idle.begin();
    await idle.call('step', 7);
    clock.advance(TTL / 2);
    // A read-only call: it writes nothing, except that the sweep must learn the session is in use.
    expect(await active.call('read')).toBe(1);
    const swept = commitTouching(env.broker, 'idle');
    clock.advance(LATEST - TTL / 2 - 1);
    expect(await storedSessions(env.broker, 'life/sweep')).toEqual(['active', 'idle']);
    clock.advance(1);
    expect((await swept).sessions).toEqual(['idle']);
    expect(await storedSessions(env.broker, 'life/sweep')).toEqual(['active']);
    expect(env.broker.metrics.snapshot()['sessions.swept']).toBe(1);
    // The device that comes back learns its instance is gone (NOT_BEGUN), and begins afresh:
    // nothing of the swept session is left, not its memento nor a crash to report.
    await expect(idle.call('read')).rejects.toMatchObject({ code: 'STEAD_E_NOT_BEGUN' });
    await expect(idle.begin()).resolves.toMatchObject({ memento: null, crashed: false });
    // The active session's instance goes on.
    expect(await active.call('bump')).toBe(2);
  });

  it('free their slot under maxSessionsPerProxy', async () => {
    const clock = new ManualClock();
    const device = await env.start({ apps: [lifecycleApp], clock, sessionIdleTtlMs: TTL, limits: { maxSessionsPerProxy: 1 } });
    await device.session('life/slots', 'old').begin();
    const fresh = device.session('life/slots', 'new');
    await expect(fresh.begin()).rejects.toMatchObject({ code: 'STEAD_E_SESSION_LIMIT' });
    const swept = commitTouching(env.broker, 'old');
    clock.advance(LATEST);
    await swept;
    await expect(fresh.begin()).resolves.toMatchObject({ crashed: false });
  });

  it('are kept for ever without a TTL (the default)', async () => {
    const clock = new ManualClock();
    const device = await env.start({ apps: [lifecycleApp], clock });
    await device.session('life/keep', 'a').begin();
    clock.advance(365 * 24 * 3600 * 1000);
    expect(clock.pending).toBe(0);
    expect(await storedSessions(env.broker, 'life/keep')).toEqual(['a']);
  });

  it('refuse a TTL that is not a positive integer with BAD_OPTIONS', async () => {
    await expect(env.start({ apps: [lifecycleApp], sessionIdleTtlMs: 0 })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
    await expect(env.start({ apps: [lifecycleApp], sessionIdleTtlMs: 1.5 })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });

  describe('across a broker restart on SQLite (proxies that are not loaded)', () => {
    let dir = '';
    test.beforeEach(({ tempDir }) => {
      dir = tempDir;
    });

    async function sessionThenRestart(downMs: number): Promise<{ clock: ManualClock }> {
      const store = `sqlite:${join(dir, 'stead.db')}`;
      const clock = new ManualClock();
      const device = await env.start({ apps: [lifecycleApp], clock, store, sessionIdleTtlMs: TTL });
      const gone = device.session('life/down', 'gone');
      await gone.begin();
      await gone.call('step', 3);
      // No device comes back: only the store's wake time can bring the proxy in.
      await env.broker.close();
      const after = new ManualClock(clock.now() + downMs);
      await env.start({ apps: [lifecycleApp], clock: after, store, sessionIdleTtlMs: TTL });
      return { clock: after };
    }

    it('sweep what went idle while the broker was down, at start', async () => {
      await sessionThenRestart(10 * TTL);
      // The store lists the proxy as due: the broker loads it and sweeps, with no clock advance.
      await until(async () => (await storedSessions(env.broker, 'life/down')).length === 0, 5000, 'the sweep');
    });

    it('sweep what goes idle later, with the wake-up armed at start', async () => {
      const { clock } = await sessionThenRestart(TTL / 2);
      // Armed: the store scan's timer and the proxy's own wake-up.
      await until(() => clock.pending >= 2, 5000, 'the wake-up to be armed');
      const swept = commitTouching(env.broker, 'gone');
      clock.advance(LATEST - TTL / 2 - 1);
      expect(await storedSessions(env.broker, 'life/down')).toEqual(['gone']);
      clock.advance(1);
      await swept;
      expect(await storedSessions(env.broker, 'life/down')).toEqual([]);
    });

    it('load a stored proxy only shortly before its sessions go idle (a scan of the store on the clock)', async () => {
      const store = `sqlite:${join(dir, 'stead.db')}`;
      const ttl = 10 * WAKE_SCAN_MS;
      const clock = new ManualClock();
      const device = await env.start({ apps: [lifecycleApp], clock, store, sessionIdleTtlMs: ttl });
      await device.session('life/later', 'a').begin();
      await env.broker.close();
      await env.start({ apps: [lifecycleApp], clock, store, sessionIdleTtlMs: ttl });
      const created = (): number => env.broker.metrics.snapshot()['proxies.created'] ?? 0;
      // Due in 12.5 scans: not loaded at start, nor by the scans before it comes within reach.
      expect(created()).toBe(0);
      for (let scan = 1; scan <= 11; scan++) {
        clock.advance(WAKE_SCAN_MS);
        // The scan ran and armed the next one.
        await until(() => clock.pending === 1, 5000, `scan ${scan}`);
      }
      expect(created()).toBe(0);
      expect(await storedSessions(env.broker, 'life/later')).toEqual(['a']);
      clock.advance(WAKE_SCAN_MS);
      await until(() => created() === 1 && clock.pending >= 2, 5000, 'the scan to load the proxy');
      const swept = commitTouching(env.broker, 'a');
      clock.advance(WAKE_SCAN_MS / 2);
      await swept;
    });
  });

  it('sweep also a proxy whose state is the only thing left; the state stays', async () => {
    const store = await openStore('memory:');
    const clock = new ManualClock();
    const device = await env.start({ apps: [lifecycleApp], clock, store, sessionIdleTtlMs: TTL });
    const s = device.session('life/state', 'only');
    await s.call('bump');
    const swept = commitTouching(env.broker, 'only');
    clock.advance(LATEST);
    await swept;
    await expect(s.call('read')).rejects.toMatchObject({ code: 'STEAD_E_NOT_BEGUN' });
    expect(await s.call('read')).toBe(1);
  });
});
