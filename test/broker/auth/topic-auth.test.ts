import { afterEach, describe, expect } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice } from '../../../device/index.js';
import type { DeviceKey } from '../../../shared/identity/index.js';
import { it, test } from '../../helpers/fixtures.js';
import { attempt, closed, grantNewKey, keyed, publishOutcome, subscribeOutcome } from '../../helpers/keys.js';

/**
 * DESIGN §7 authorization with real mqtt.js clients: a key publishes only to `…/in` and reads
 * only `…/out` of its granted proxies; wildcards are granted and filtered per delivery; `$SYS`
 * and other proxies' topics are refused; the admin role observes.
 */
describe('topic authorization', () => {
  test.override('brokerOptions', { auth: {} });
  let broker: SteadBroker;
  let owner: DeviceKey;
  let other: DeviceKey;
  let admin: DeviceKey;
  const clients: MqttClient[] = [];

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    owner = await grantNewKey(broker, 'shop-1', { proxies: ['toaster/shop-1'], topics: ['telemetry/shop-1/#'] });
    other = await grantNewKey(broker, 'shop-2');
    admin = await grantNewKey(broker, 'ops', { role: 'admin' });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  const client = async (key: DeviceKey): Promise<MqttClient> => {
    const result = await attempt(broker.url, keyed(key));
    if (!result.client) throw new Error(`refused ${result.code}`);
    clients.push(result.client);
    return result.client;
  };

  /** A call on toaster/shop-1 by its owner: the reply is published on its out topic. */
  const ownerCalls = async (session: string): Promise<void> => {
    const device = await connectDevice({ url: broker.url, key: owner });
    try {
      const shop = device.session('toaster/shop-1', session);
      await shop.begin();
      await shop.call('buy', 'bread');
    } finally {
      await device.close();
    }
  };

  it.each([
    ['another proxy’s request topic', 'stead/toaster/shop-9/s/in'],
    ['its own proxy’s reply topic (a forged reply)', 'stead/toaster/shop-1/s/out'],
    ['$SYS', '$SYS/broker/uptime'],
    ['a plain topic it was not granted', 'telemetry/shop-2/temp'],
  ])('refuses a publish to %s (the connection is dropped, MQTT 3.1.1)', async (_name, topic) => {
    const c = await client(owner);
    const before = broker.metrics.get('auth.refused.publish');
    expect(await publishOutcome(c, topic, 'x')).toBe('closed');
    expect(broker.metrics.get('auth.refused.publish')).toBe(before + 1);
  });

  it('allows a publish to a granted plain topic', async () => {
    expect(await publishOutcome(await client(owner), 'telemetry/shop-1/temp', '21')).toBe('acked');
  });

  it.each([
    ['another proxy’s reply topic', 'stead/toaster/shop-9/s/out'],
    ['its own proxy’s request topic', 'stead/toaster/shop-1/s/in'],
    ['$SYS', '$SYS/#'],
    ['a plain topic it was not granted', 'telemetry/shop-2/temp'],
  ])('refuses a subscription to %s with granted QoS 128, and the connection stays up', async (_name, filter) => {
    const c = await client(owner);
    expect(await subscribeOutcome(c, filter)).toBe(128);
    expect(await subscribeOutcome(c, 'stead/toaster/shop-1/s/out')).toBe(1);
  });

  it('a device of another key is refused the proxy: its begin subscription is refused', async () => {
    const device = await connectDevice({ url: broker.url, key: other });
    try {
      await expect(device.session('toaster/shop-1', 'thief').begin()).rejects.toMatchObject({ code: 'STEAD_E_REFUSED' });
    } finally {
      await device.close();
    }
  });

  it('a wildcard subscription is granted and filtered: a key without grants never receives a Stead topic', async () => {
    const watcher = await client(other);
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    expect(await subscribeOutcome(watcher, '#')).toBe(1);
    expect(await subscribeOutcome(watcher, 'stead/+/+/+/in')).toBe(1);
    await ownerCalls('kitchen');
    // A plain message it may read arrives after anything the broker would have forwarded before it.
    await grantPlain(broker, 'shop-2', 'news');
    const news = new Promise<void>((resolve) => watcher.on('message', (topic) => topic === 'news' && resolve()));
    expect(await publishOutcome(await client(admin), 'news', 'hello')).toBe('acked');
    await news;
    expect(seen.filter((t) => t.startsWith('stead/'))).toEqual([]);
  });

  it('a wildcard subscription of the owner delivers its own replies, never requests', async () => {
    const watcher = await client(owner);
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    expect(await subscribeOutcome(watcher, 'stead/#')).toBe(1);
    await ownerCalls('kitchen');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((t) => t.startsWith('stead/toaster/shop-1/kitchen/out'))).toBe(true);
  });

  it('the admin role observes requests and replies', async () => {
    const watcher = await client(admin);
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    expect(await subscribeOutcome(watcher, 'stead/#')).toBe(1);
    expect(await subscribeOutcome(watcher, '$SYS/#')).toBe(1);
    await ownerCalls('kitchen');
    expect(seen).toContain('stead/toaster/shop-1/kitchen/in');
    expect(seen).toContain('stead/toaster/shop-1/kitchen/out');
  });

  it('a grant applies to a connection already up', async () => {
    const c = await client(other);
    expect(await subscribeOutcome(c, 'telemetry/x')).toBe(128);
    await grantPlain(broker, 'shop-2', 'telemetry/x');
    expect(await subscribeOutcome(c, 'telemetry/x')).toBe(1);
  });

  it('a refused publish closes only the offender', async () => {
    const offender = await client(other);
    const gone = closed(offender);
    offender.publish('stead/toaster/shop-1/s/in', 'x', { qos: 1 });
    await gone;
    await ownerCalls('after');
  });
});

async function grantPlain(broker: SteadBroker, device: string, topic: string): Promise<void> {
  await broker.auth.keys?.grant(device, { topics: [topic] });
}

describe('topics under the root that name no session', () => {
  test.override('brokerOptions', { auth: {} });
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  it('are the admin role’s to read (the broker’s own events live there)', async ({ broker }) => {
    const device = await grantNewKey(broker, 'shop-1');
    const admin = await grantNewKey(broker, 'ops', { role: 'admin' });
    const d = await attempt(broker.url, keyed(device));
    const a = await attempt(broker.url, keyed(admin));
    clients.push(d.client as MqttClient, a.client as MqttClient);
    expect(await subscribeOutcome(d.client as MqttClient, 'stead/_events/commit')).toBe(128);
    expect(await subscribeOutcome(a.client as MqttClient, 'stead/_events/commit')).toBe(1);
  });
});

describe('grants checked away from the topic hooks (session resource verbs)', () => {
  test.override('brokerOptions', { auth: {} });

  it('broker.auth.mayUseProxy answers for a connected client id, and no for one not connected', async ({ broker }) => {
    const key = await grantNewKey(broker, 'shop-1');
    const options = keyed(key);
    const connection = await attempt(broker.url, options);
    const clientId = options.clientId as string;
    expect(broker.auth.mayUseProxy(clientId, 'toaster', 'shop-1')).toBe(true);
    expect(broker.auth.mayUseProxy(clientId, 'toaster', 'shop-2')).toBe(false);
    const gone = new Promise<void>((resolve) => broker.aedes.once('clientDisconnect', () => resolve()));
    await connection.client?.endAsync();
    await gone;
    expect(broker.auth.mayUseProxy(clientId, 'toaster', 'shop-1')).toBe(false);
  });
});
