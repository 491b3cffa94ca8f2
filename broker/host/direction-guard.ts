import type { AedesOptions } from 'aedes';
import type { Topics } from '../../shared/topics.js';

/**
 * Devices publish requests (`…/in`) and subscribe to replies (`…/out`), never the reverse, so a
 * device cannot forge replies or read other devices' requests. Per-key ownership of proxies is
 * the authorization layer's job (DESIGN §7); this guard is the part that needs no identity.
 */
export function directionGuard(
  topics: Topics,
  onMisshapenRequest: () => void,
): Pick<AedesOptions, 'authorizePublish' | 'authorizeSubscribe'> {
  const prefix = `${topics.root}/`;
  const requestLevels = topics.root.split('/').length + 4;
  return {
    authorizePublish(client, packet, callback) {
      if (client && packet.topic.startsWith('$SYS')) return callback(new Error('$SYS is reserved'));
      // Broker events are the broker's alone: nobody forges a commit (the identity layer will
      // also restrict who may read them).
      if (client && packet.topic.startsWith(topics.eventsPrefix)) return callback(new Error('broker events are reserved'));
      if (client && packet.topic.startsWith(prefix)) {
        if (!packet.topic.endsWith('/in')) return callback(new Error(`devices may not publish to ${packet.topic}`));
        // A request topic with the wrong number of levels reaches no proxy: count it (DESIGN §5).
        // (Valid topics are answered from the parse cache; only the rest are split.)
        if (!topics.parse(packet.topic) && packet.topic.split('/').length !== requestLevels) onMisshapenRequest();
      }
      callback(null);
    },
    authorizeSubscribe(_client, subscription, callback) {
      const topic = subscription.topic;
      if (topic.startsWith(topics.eventsPrefix)) return callback(null, subscription);
      const underRoot = topic.startsWith(prefix) || topic === '#' || topic.startsWith('+/');
      if (underRoot && (!topic.startsWith(prefix) || topic.endsWith('/in') || topic.endsWith('#'))) {
        // [MQTT-3.9.3] a refused subscription is granted 128; the connection stays up.
        return callback(null, null);
      }
      callback(null, subscription);
    },
  };
}
