import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { createTopics } from '../../shared/topics.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, grantNewKey, keyed, publishOutcome, subscribeOutcome } from '../helpers/keys.js';

/**
 * Nothing was limited per key: one key created 3,000 proxies, held 400 connections and 500
 * subscriptions on one. Quotas per key (broker/auth/key-quotas.ts): live connections (CONNACK 5,
 * `auth.refused.quota_connections`), subscriptions per connection (granted 128,
 * `auth.refused.quota_subscriptions`), proxies reached through a wildcard grant that have no
 * record yet (the publish refused and the connection closed, `auth.refused.quota_proxies`).
 * The admin role is exempt. The honest device calls throughout, its counter exact.
 */
const topics = createTopics();
const QUOTAS = { connectionsPerKey: 4, subscriptionsPerClient: 5, wildcardProxiesPerKey: 3 };

describe('per-key quotas', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await startBroker({ auth: { quotas: QUOTAS } });
    honest = await HonestDevice.start(broker);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await honest.device.close();
    await broker.close();
  });

  async function connectCode(options: IClientOptions): Promise<number> {
    const result = await attempt(broker.url, options);
    if (result.client) clients.push(result.client);
    return result.code;
  }

  it('a key past its live connections is refused; a slot freed is taken again; the admin is exempt', async () => {
    const mallory = await grantNewKey(broker, 'mallory');
    for (let i = 0; i < QUOTAS.connectionsPerKey; i++) expect(await connectCode(keyed(mallory, `mallory/${i}`))).toBe(0);
    expect(await connectCode(keyed(mallory, 'mallory/over'))).toBe(5);
    expect(broker.metrics.get('auth.refused.quota_connections')).toBe(1);
    await clients.pop()?.endAsync(true);
    const freed = async (): Promise<number> => connectCode(keyed(mallory, 'mallory/again'));
    // The broker sees the close as soon as its socket does; a slot is free from then on.
    let code = await freed();
    while (code !== 0) code = await freed();
    const admin = await grantNewKey(broker, 'ops', { role: 'admin' });
    for (let i = 0; i <= QUOTAS.connectionsPerKey; i++) expect(await connectCode(keyed(admin, `ops/${i}`))).toBe(0);
    await honest.stop(3);
  });

  it('a connection past its subscriptions is granted 128 for each further filter, counted', async () => {
    const mallory = await grantNewKey(broker, 'mallory', { topics: ['mallory/#'] });
    const result = await attempt(broker.url, keyed(mallory));
    const client = result.client as MqttClient;
    clients.push(client);
    for (let i = 0; i < QUOTAS.subscriptionsPerClient; i++) expect(await subscribeOutcome(client, `mallory/${i}`)).toBe(1);
    // Subscribing again to a filter it holds takes no new slot.
    expect(await subscribeOutcome(client, 'mallory/0')).toBe(1);
    expect(await subscribeOutcome(client, 'mallory/over')).toBe(128);
    expect(broker.metrics.get('auth.refused.quota_subscriptions')).toBe(1);
    await client.unsubscribeAsync('mallory/0');
    expect(await subscribeOutcome(client, 'mallory/after')).toBe(1);
    await honest.stop(3);
  });

  it('a key with toaster/* creates at most its quota of new proxies; existing ones stay usable', async () => {
    const mallory = await grantNewKey(broker, 'mallory', { proxies: ['toaster/*'] });
    const result = await attempt(broker.url, keyed(mallory));
    const client = result.client as MqttClient;
    clients.push(client);
    // What the frame says does not matter here: the quota is checked when the request is published.
    const begin = Buffer.from([0x80]);
    for (let i = 0; i < QUOTAS.wildcardProxiesPerKey; i++) expect(await publishOutcome(client, topics.inbound('toaster', `made-${i}`, 's'), begin)).toBe('acked');
    // The honest device's proxy has a record: usable past the quota.
    expect(await publishOutcome(client, topics.inbound('toaster', 'honest', 'other'), begin)).toBe('acked');
    expect(await publishOutcome(client, topics.inbound('toaster', 'made-new', 's'), begin)).toBe('closed');
    expect(broker.metrics.get('auth.refused.quota_proxies')).toBe(1);
    await honest.stop(3);
  });
});
