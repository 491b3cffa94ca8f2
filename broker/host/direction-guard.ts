import type { AedesOptions } from 'aedes';

/**
 * Devices publish requests (`…/in`) and subscribe to replies (`…/out`), never the reverse, so a
 * device cannot forge replies or read other devices' requests. Per-key ownership of proxies is
 * the authorization layer's job (DESIGN §7); this guard is the part that needs no identity.
 */
export function directionGuard(root: string): Pick<AedesOptions, 'authorizePublish' | 'authorizeSubscribe'> {
  const prefix = `${root}/`;
  return {
    authorizePublish(client, packet, callback) {
      if (client && packet.topic.startsWith(prefix) && !packet.topic.endsWith('/in')) {
        return callback(new Error(`devices may not publish to ${packet.topic}`));
      }
      if (client && packet.topic.startsWith('$SYS')) return callback(new Error('$SYS is reserved'));
      callback(null);
    },
    authorizeSubscribe(_client, subscription, callback) {
      const topic = subscription.topic;
      const underRoot = topic.startsWith(prefix) || topic === '#' || topic.startsWith('+/');
      if (underRoot && (!topic.startsWith(prefix) || topic.endsWith('/in') || topic.endsWith('#'))) {
        return callback(new Error(`subscription to ${topic} is not allowed`));
      }
      callback(null, subscription);
    },
  };
}
