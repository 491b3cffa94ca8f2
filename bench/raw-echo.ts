import type { Aedes } from 'aedes';

/**
 * The baseline's server side, in the broker process like Stead's runtime: every QoS 1 publish on
 * `raw/<i>/in` is answered with a QoS 1 publish of `replyBytes` bytes on `raw/<i>/out`.
 */
export function installRawEcho(aedes: Aedes, replyBytes: number): Promise<void> {
  const reply = Buffer.alloc(replyBytes, 0x62);
  return new Promise((resolve) => {
    aedes.subscribe(
      'raw/+/in',
      (packet, done) => {
        const topic = `${packet.topic.slice(0, -2)}out`;
        aedes.publish({ cmd: 'publish', topic, payload: reply, qos: 1, retain: false, dup: false }, noop);
        done();
      },
      resolve,
    );
  });
}

function noop(): void {}
