import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { Aedes } from 'aedes';

/**
 * The baselines' server side, in the broker process like Stead's runtime: every QoS 1 publish on
 * `raw/<i>/in` is answered with a QoS 1 publish of `replyBytes` bytes on `raw/<i>/out`.
 *
 * With `syncFile`, publishes on `rawsync/<i>/in` are answered the same way, but only after a
 * 4 KiB write to that file and an fdatasync, shared by every request that arrived in the same
 * event-loop turn (a group commit with nothing else). It is the floor under any broker that
 * makes a reply durable before sending it, on this machine's disk.
 */
export async function installRawEcho(aedes: Aedes, replyBytes: number, syncFile?: string): Promise<() => void> {
  const reply = Buffer.alloc(replyBytes, 0x62);
  const answer = (topic: string): void => {
    aedes.publish({ cmd: 'publish', topic: `${topic.slice(0, -2)}out`, payload: reply, qos: 1, retain: false, dup: false }, noop);
  };
  await subscribe(aedes, 'raw/+/in', (topic) => answer(topic));
  if (syncFile === undefined) return noop;

  const fd = openSync(syncFile, 'w');
  const page = Buffer.alloc(4096, 0x63);
  // The file keeps its size, as SQLite's WAL does once it is reused: no metadata to sync.
  writeSync(fd, page, 0, page.length, 0);
  fdatasyncSync(fd);
  let waiting: string[] = [];
  const flush = (): void => {
    const topics = waiting;
    waiting = [];
    writeSync(fd, page, 0, page.length, 0);
    fdatasyncSync(fd);
    for (const topic of topics) answer(topic);
  };
  await subscribe(aedes, 'rawsync/+/in', (topic) => {
    if (waiting.push(topic) === 1) setImmediate(flush);
  });
  return () => closeSync(fd);
}

function subscribe(aedes: Aedes, filter: string, onMessage: (topic: string) => void): Promise<void> {
  return new Promise((resolve) => {
    aedes.subscribe(
      filter,
      (packet, done) => {
        onMessage(packet.topic);
        done();
      },
      resolve,
    );
  });
}

function noop(): void {}
