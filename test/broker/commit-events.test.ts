import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitEvent, SteadBroker } from '../../broker/index.js';
import { OPEN_ACCESS } from '../../broker/auth/access.js';
import { TopicPolicy } from '../../broker/auth/topic-policy.js';
import { createTopics } from '../../shared/topics.js';
import { hooks, lifecycleApp } from '../helpers/apps/lifecycle-app.js';
import { brokerOnDemand } from '../helpers/broker.js';
import { until } from '../helpers/wait.js';

/** Every commit event of the broker, with the store's version of the proxy when it was told. */
function recordCommits(broker: SteadBroker): { events: CommitEvent[]; storedVersions: Promise<number | undefined>[] } {
  const events: CommitEvent[] = [];
  const storedVersions: Promise<number | undefined>[] = [];
  broker.on('commit', (event) => {
    events.push(event);
    storedVersions.push(broker.store.load(`${event.app}/${event.id}`).then((stored) => stored?.version));
  });
  return { events, storedVersions };
}

// Issue 7, lifecycle: commit events that app code and admin clients can watch.
describe('commit events', () => {
  const env = brokerOnDemand();
  afterEach(() => {
    hooks.onCommit = null;
  });

  it('are told after the store confirmed, with the version written and the sessions changed', async () => {
    const device = await env.start({ apps: [lifecycleApp] });
    const { events, storedVersions } = recordCommits(env.broker);
    const phone = device.session('life/ev', 'phone');
    await phone.begin();
    expect(await phone.call('bump')).toBe(1);
    expect(await phone.call('read')).toBe(1);
    await phone.call('tell', 'hi', 'kitchen');
    await until(() => events.length === 3, 5000, 'three commits');
    expect(events.map(({ app, id, version, sessions }) => ({ app, id, version, sessions: [...sessions].sort() }))).toEqual([
      { app: 'life', id: 'ev', version: 1, sessions: ['phone'] },
      { app: 'life', id: 'ev', version: 2, sessions: ['phone'] },
      { app: 'life', id: 'ev', version: 3, sessions: ['kitchen', 'phone'] },
    ]);
    // Durable when told: the store already held (at least) that version.
    const stored = await Promise.all(storedVersions);
    for (const [i, event] of events.entries()) expect(stored[i]).toBeGreaterThanOrEqual(event.version);
    expect(events.every((event) => typeof event.time === 'number' && Object.isFrozen(event))).toBe(true);
  });

  it('stop with off, and a listener that throws disturbs neither the others nor the proxy', async () => {
    const device = await env.start({ apps: [lifecycleApp] });
    const seen: number[] = [];
    const thrower = (): void => {
      throw new Error('listener bug');
    };
    const listener = (event: CommitEvent): void => void seen.push(event.version);
    env.broker.on('commit', thrower);
    env.broker.on('commit', listener);
    const s = device.session('life/off', 'main');
    await s.begin();
    await until(() => seen.length === 1, 5000, 'the first event');
    env.broker.off('commit', listener);
    env.broker.off('commit', thrower);
    expect(await s.call('bump')).toBe(1);
    expect(seen).toEqual([1]);
    expect(env.broker.metrics.snapshot()['commit_listener.failed']).toBe(1);
    expect(() => env.broker.on('comit' as 'commit', listener)).toThrow(expect.objectContaining({ code: 'STEAD_E_BAD_OPTIONS' }));
  });

  it("reach the proxy type's onCommit, outside the transaction; a failing hook changes nothing", async () => {
    const device = await env.start({ apps: [lifecycleApp] });
    const told: CommitEvent[] = [];
    hooks.onCommit = (event) => {
      told.push(event);
      if (event.version === 1) throw new Error('hook bug');
      return Promise.reject(new Error('async hook bug'));
    };
    const s = device.session('life/hook', 'main');
    await s.begin();
    expect(await s.call('bump')).toBe(1);
    await until(() => told.length === 2, 5000, 'two hooks');
    expect(told.map((e) => e.version)).toEqual([1, 2]);
    await until(() => env.broker.metrics.snapshot()['oncommit.failed'] === 2, 5000, 'both failures counted');
    expect(await s.call('bump')).toBe(2);
  });

  it('are published on <root>/$events/commit/<app>/<id> for admin clients when publishCommits is on', async () => {
    const device = await env.start({ apps: [lifecycleApp], publishCommits: true });
    const admin = await mqtt.connectAsync(env.broker.url, { reconnectPeriod: 0 });
    try {
      const received: unknown[] = [];
      admin.on('message', (topic, payload) => received.push({ topic, event: JSON.parse(payload.toString('utf8')) as unknown }));
      expect((await admin.subscribeAsync('stead/$events/commit/#', { qos: 1 }))[0]?.qos).toBe(1);
      const s = device.session('life/pub', 'main');
      await s.begin();
      await s.call('bump');
      await until(() => received.length === 2, 5000, 'the published events');
      expect(received[1]).toMatchObject({ topic: 'stead/$events/commit/life/pub', event: { app: 'life', id: 'pub', version: 2, sessions: ['main'] } });
    } finally {
      await admin.endAsync(true);
    }
  });

  it('are published by the broker alone: a client may not publish under $events', () => {
    const policy = new TopicPolicy(createTopics());
    expect(policy.publish(OPEN_ACCESS, 'stead/$events/commit/life/in', false)).toBe('refuse');
    expect(policy.publish(OPEN_ACCESS, 'stead/$events/commit/life/x', false)).toBe('refuse');
    expect(policy.publish(OPEN_ACCESS, 'stead/life/x/main/in', false)).toBe('allow');
    // An event of a proxy whose id is `in` is still an event, readable on an open broker.
    expect(policy.read(OPEN_ACCESS, 'stead/$events/commit/life/in')).toBe(true);
  });
});
