import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import type { DeviceKey } from '../../shared/identity/index.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, closed, grantNewKey, keyed, publishOutcome } from '../helpers/keys.js';
import { until } from '../helpers/wait.js';

/**
 * Retained messages under the root: the shape check ran before the access check, so anyone
 * could leave retained "requests" on misshapen topics that a later admin `stead/#` subscriber
 * received. Under the root, access is checked first (a misshapen topic must still name a proxy
 * the client may use), and nothing is retained (wills included): refused publishes close the
 * connection, counted `auth.refused.publish` or `auth.refused.retain`. The honest device calls
 * throughout, its counter exact.
 */
describe('retained messages and misshapen topics under the root', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  let mallory: DeviceKey;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await startBroker({ auth: { allowAnonymous: true } });
    honest = await HonestDevice.start(broker);
    mallory = await grantNewKey(broker, 'mallory');
  });

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

  it.each([
    ['anonymous, a misshapen request topic', 'anonymous', 'stead/toaster/honest/in', 'publish'],
    ['anonymous, another proxy’s request', 'anonymous', 'stead/toaster/honest/till/in', 'publish'],
    ['a key, a misshapen topic of another proxy', 'key', 'stead/toaster/honest/x/y/in', 'publish'],
    ['a key, a misshapen topic of its own proxy', 'key', 'stead/toaster/mallory/in', 'retain'],
    ['a key, its own request topic', 'key', 'stead/toaster/mallory/s/in', 'retain'],
  ])('%s, retained: refused, the connection closed, counted', async (_name, who, topic, reason) => {
    const client = await open(who === 'anonymous' ? { clientId: 'anon' } : keyed(mallory));
    expect(await publishOutcome(client, topic, Buffer.alloc(60 * 1024), true)).toBe('closed');
    expect(broker.metrics.get(`auth.refused.${reason}`)).toBe(1);
    await honest.stop(3);
  });

  it('a misshapen topic naming no proxy the client may use is refused even unretained (access before shape)', async () => {
    const client = await open({ clientId: 'anon' });
    expect(await publishOutcome(client, 'stead/toaster/honest/in', 'x')).toBe('closed');
    expect(broker.metrics.get('auth.refused.publish')).toBe(1);
    expect(broker.metrics.get('dropped.bad_topic')).toBe(0);
    await honest.stop(3);
  });

  it('a will retained under the root is never published; a later admin stead/# subscriber finds nothing retained', async () => {
    const dying = await open(keyed(mallory, 'mallory/will', { will: { topic: 'stead/toaster/mallory/s/in', payload: Buffer.from('x'), qos: 1, retain: true } }));
    const gone = closed(dying);
    dying.stream.destroy();
    await gone;
    await until(() => broker.metrics.get('auth.refused.retain') === 1, 5000, 'the will refused');
    const admin = await grantNewKey(broker, 'ops', { role: 'admin' });
    const watcher = await open(keyed(admin, 'ops/watch'));
    const retained: string[] = [];
    watcher.on('message', (topic, _payload, packet) => packet.retain && retained.push(topic));
    await watcher.subscribeAsync('stead/#', { qos: 1 });
    // The retained messages of a subscription arrive before its SUBACK's round trip completes.
    await watcher.publishAsync('stead/toaster/ops/s/in', Buffer.alloc(0), { qos: 1 });
    expect(retained).toEqual([]);
    await honest.stop(3);
  });
});
