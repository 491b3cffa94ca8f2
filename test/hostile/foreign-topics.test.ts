import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { createTopics } from '../../shared/topics.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import { it, test } from '../helpers/fixtures.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { grantNewKey, keyed, publishOutcome, subscribeOutcome } from '../helpers/keys.js';
import { beginBytes, token } from '../helpers/raw-session.js';

/**
 * Issue 8, hostile input: an authenticated device reaching for topics that are not its own
 * while an honest device calls `toaster/honest`. DESIGN §7: a publish to another proxy's `…/in`,
 * a forged reply on its `…/out` or `$SYS` is refused (MQTT 3.1.1: the connection is dropped); a
 * subscription to another proxy's `…/out` or `$SYS` is granted 128; a wildcard is granted and
 * what it would deliver of other proxies is filtered. Each is counted; the honest device is unharmed.
 */
const topics = createTopics();
const HONEST_IN = topics.inbound('toaster', 'honest', 'till');
const HONEST_OUT = topics.outbound('toaster', 'honest', 'till');

describe('foreign topics (issue 8)', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  let mallory: MqttClient;

  test.override('brokerOptions', { auth: {} });

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    honest = await HonestDevice.start(broker);
    mallory = await mqtt.connectAsync(broker.url, { ...keyed(await grantNewKey(broker, 'mallory')), reconnectPeriod: 0 });
  });

  afterEach(async () => {
    await mallory.endAsync(true);
    await honest.device.close();
  });

  it.each([
    // A begin here would fence the honest device's instance: its next call would fail STALE_INSTANCE.
    ["a begin on another proxy's session", HONEST_IN, beginBytes(token())],
    ["a forged reply on another proxy's out topic", HONEST_OUT, encodeFrame({ kind: Kind.reply, ref: token(), seq: 1, value: 99 })],
    ['$SYS', '$SYS/broker/uptime', Buffer.from('0')],
    ["the broker's commit events", topics.commitEvent('toaster', 'honest'), Buffer.from('{}')],
  ])('a publish of %s is refused: connection dropped, counted', async (_name, topic, payload) => {
    const before = broker.metrics.get('auth.refused.publish');
    expect(await publishOutcome(mallory, topic, Buffer.from(payload))).toBe('closed');
    expect(broker.metrics.get('auth.refused.publish')).toBe(before + 1);
    await honest.stop(3);
  });

  it.each([
    ["another proxy's out topic", HONEST_OUT],
    ["another proxy's in topic", HONEST_IN],
    ['$SYS', '$SYS/#'],
  ])('a subscription to %s is granted 128, counted', async (_name, filter) => {
    const before = broker.metrics.get('auth.refused.subscribe');
    expect(await subscribeOutcome(mallory, filter)).toBe(128);
    expect(broker.metrics.get('auth.refused.subscribe')).toBe(before + 1);
    await honest.stop(3);
  });

  it.each(['#', 'stead/#', 'stead/+/+/+/out', 'stead/toaster/honest/#', 'stead/+/honest/+/+'])(
    'a wildcard %s is granted, and delivers nothing of the honest proxy (filtered, counted)',
    async (filter) => {
      const seen: string[] = [];
      mallory.on('message', (topic) => seen.push(topic));
      expect(await subscribeOutcome(mallory, filter)).toBe(1);
      const calls = honest.calls;
      await honest.stop(3);
      // Every reply the honest device got after the subscription was filtered for mallory.
      expect(broker.metrics.get('auth.refused.forward')).toBeGreaterThanOrEqual(honest.calls - calls);
      // A message mallory may read arrives after anything the broker would have forwarded before it.
      const own = topics.outbound('toaster', 'mallory', 'x');
      await mallory.subscribeAsync(own, { qos: 1 });
      const arrived = new Promise<void>((resolve) => mallory.on('message', (topic) => topic === own && resolve()));
      await mallory.publishAsync(topics.inbound('toaster', 'mallory', 'x'), beginBytes(token()), { qos: 1 });
      await arrived;
      expect(seen.filter((topic) => topic.includes('/honest/'))).toEqual([]);
    },
  );
});
