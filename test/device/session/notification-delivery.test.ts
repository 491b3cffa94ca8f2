import { describe, expect, it } from 'vitest';
import { Kind, type HelloFrame } from '../../../shared/wire/frames.js';
import { OfflineSession, drain } from '../../helpers/offline-session.js';

// Notification delivery against a proxy that keeps no queue for the session: a hello makes no
// session on the proxy (a made-up name must cost it nothing), so the answer to a hello for a
// session not begun yet names no epoch. Rows: (what the proxy sends after that answer) → what
// the session hands the app and what it sends. No broker, no socket.

const EPOCH = new Uint8Array(8).fill(7);
const OTHER_EPOCH = new Uint8Array(8).fill(8);

/** A session listening for notifications, its first hello answered with no queue. */
async function listening(): Promise<{ offline: OfflineSession; seen: unknown[] }> {
  const offline = await OfflineSession.open({ autoBegin: false });
  const seen: unknown[] = [];
  offline.session.onNotify((payload) => void seen.push(payload));
  await drain();
  offline.receive({ kind: Kind.hello, version: 1, acked: 0, agent: 'proxy', nonce: null, epoch: null });
  await drain();
  return { offline, seen };
}

const hellos = (offline: OfflineSession): HelloFrame[] => offline.link.sent.filter((f): f is HelloFrame => f.kind === Kind.hello);

describe('a hello answered with no queue', () => {
  it('is an answer: no hello is resent after the retry interval', async () => {
    const { offline } = await listening();
    offline.link.clock.advance(5000);
    expect(hellos(offline)).toHaveLength(1);
  });

  it('a notification after it means a queue was made: nothing is delivered, a hello asks for its epoch', async () => {
    const { offline, seen } = await listening();
    offline.receive({ kind: Kind.notify, seq: 1, payload: 'first', dropped: 0 });
    await drain();
    expect(seen).toEqual([]);
    expect(hellos(offline).map((h) => [h.acked, h.epoch])).toEqual([[0, null], [0, null]]);
    // The answer names the new queue and resends it: delivered once, in order, nothing dropped.
    offline.receive({ kind: Kind.hello, version: 1, acked: 2, agent: 'proxy', nonce: null, epoch: EPOCH });
    offline.receive({ kind: Kind.notify, seq: 1, payload: 'first', dropped: 0 });
    offline.receive({ kind: Kind.notify, seq: 2, payload: 'second', dropped: 0 });
    await drain();
    expect(seen).toEqual(['first', 'second']);
  });

  it('after a queue in an epoch was gone, the next queue starts over: its seq 1 is delivered', async () => {
    const offline = await OfflineSession.open({ autoBegin: false });
    const seen: unknown[] = [];
    offline.session.onNotify((payload) => void seen.push(payload));
    await drain();
    offline.receive({ kind: Kind.hello, version: 1, acked: 1, agent: 'proxy', nonce: null, epoch: EPOCH });
    offline.receive({ kind: Kind.notify, seq: 1, payload: 'old', dropped: 0 });
    await drain();
    // The session is gone (swept): the next hello is answered with no queue, then one is made anew.
    await offline.reconnect();
    offline.receive({ kind: Kind.hello, version: 1, acked: 0, agent: 'proxy', nonce: null, epoch: null });
    offline.receive({ kind: Kind.notify, seq: 1, payload: 'new', dropped: 0 });
    await drain();
    expect(hellos(offline).at(-1)?.epoch).toEqual(EPOCH);
    offline.receive({ kind: Kind.hello, version: 1, acked: 1, agent: 'proxy', nonce: null, epoch: OTHER_EPOCH });
    offline.receive({ kind: Kind.notify, seq: 1, payload: 'new', dropped: 0 });
    await drain();
    expect(seen).toEqual(['old', 'new']);
  });

});
