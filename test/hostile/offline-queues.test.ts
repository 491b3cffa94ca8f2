import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerOptions, SteadBroker } from '../../broker/index.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, grantNewKey, keyed } from '../helpers/keys.js';
import { until } from '../helpers/wait.js';

/**
 * A clean-session-false client that subscribes to `#` and leaves would have aedes keep a copy
 * of every QoS 1 request and reply for it, unbounded. Messages are queued only for a client
 * that may read them (checked at enqueue, `auth.refused.offline_queue`), each client's queue is
 * capped (`dropped.offline_queue`), and anonymous clients get no persistent session
 * (`auth.refused.anonymous_persistent`). The honest device calls throughout, its counter exact.
 */
describe('offline queues', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  const clients: MqttClient[] = [];

  async function start(options: BrokerOptions): Promise<void> {
    broker = await startBroker(options);
    honest = await HonestDevice.start(broker);
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await honest.device.close();
    await broker.close();
  });

  async function open(options: IClientOptions): Promise<MqttClient> {
    const result = await attempt(broker.url, options);
    if (!result.client) throw new Error(`refused with ${result.code}`);
    clients.push(result.client);
    return result.client;
  }

  /** Subscribes persistently to `filter`, then goes away: its session stays with the broker. */
  async function subscribeAndLeave(options: IClientOptions, filter: string): Promise<void> {
    const client = await open({ ...options, clean: false });
    await client.subscribeAsync(filter, { qos: 1 });
    await client.endAsync();
  }

  /** Comes back with the same session and collects what was queued (sent right after the CONNACK, before the round trip's PUBACK). */
  async function comeBack(options: IClientOptions, roundTrip: string): Promise<string[]> {
    const client = await open({ ...options, clean: false });
    const topics: string[] = [];
    client.on('message', (topic) => topics.push(topic));
    await client.publishAsync(roundTrip, 'x', { qos: 1 });
    return topics;
  }

  it('a key subscribed to # while offline queues nothing it may not read', async () => {
    await start({ auth: {} });
    const mallory = await grantNewKey(broker, 'mallory', { topics: ['mallory/#'] });
    await subscribeAndLeave(keyed(mallory, 'mallory/spy'), '#');
    const calls = await honest.stop(20);
    await until(() => broker.metrics.get('auth.refused.offline_queue') >= 2 * calls, 5000, 'refusals at enqueue');
    const queued = await comeBack(keyed(mallory, 'mallory/spy'), 'mallory/ping');
    expect(queued).toEqual([]);
  });

  it('an admin subscribed to stead/# while offline gets at most the queue cap; the rest is counted', async () => {
    await start({ auth: {}, connections: { offlineQueueMessages: 10 } });
    const admin = await grantNewKey(broker, 'ops', { role: 'admin' });
    await subscribeAndLeave(keyed(admin, 'ops/watch'), 'stead/#');
    const calls = await honest.stop(20);
    // Each call is a request and a reply: both readable by the admin, 10 held, the rest dropped.
    await until(() => broker.metrics.get('dropped.offline_queue') >= 2 * calls - 10, 5000, 'drops past the cap');
    const queued = await comeBack(keyed(admin, 'ops/watch'), 'ops/ping');
    await until(() => queued.length >= 10, 5000, 'the queued messages');
    expect(queued.length).toBe(10);
  });

  it('an anonymous client is refused a persistent session; a clean one is accepted', async () => {
    await start({ auth: { allowAnonymous: true } });
    expect((await attempt(broker.url, { clientId: 'anon', clean: false })).code).toBe(5);
    expect(broker.metrics.get('auth.refused.anonymous_persistent')).toBe(1);
    await open({ clientId: 'anon', clean: true });
    await honest.stop(3);
  });
});
