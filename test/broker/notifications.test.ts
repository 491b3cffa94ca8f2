import { describe, expect, it } from 'vitest';
import { defineProxy, type QueuePolicy } from '../../broker/index.js';
import type { DeviceSession, NotificationInfo } from '../../device/index.js';
import { withBrokerAndDevice } from '../helpers/broker.js';

/** A proxy whose methods notify on demand, for exact control over queues. */
const notifier = defineProxy({
  name: 'notifier',
  init: () => ({ sent: 0 }),
  methods: {
    send: {
      args: ['any', 'string'],
      run(ctx, payload: unknown, target: string) {
        ctx.state.sent++;
        ctx.notify(payload, target.startsWith('/') ? new RegExp(target.slice(1)) : target);
      },
    },
    sendKeyed: { args: ['any', 'string', 'string'], run: (ctx, payload: unknown, target: string, key: string) => ctx.notify(payload, target, { key }) },
    limit: {
      args: ['integer', 'string', 'string'],
      run: (ctx, length: number, session: string, policy: string) => ctx.limitQueue(length, session, policy as QueuePolicy),
    },
    outq: { args: ['string'], run: (ctx, session: string) => ctx.outq(session).map((n) => n.payload) },
    sessions: { args: [], run: (ctx) => ({ current: ctx.currentSession(), all: ctx.sessionIds().sort() }) },
    sent: { args: [], run: (ctx) => ctx.state.sent },
  },
});

interface Received {
  payload: unknown;
  info: NotificationInfo;
}

function collect(session: DeviceSession): Received[] {
  const received: Received[] = [];
  session.onNotify((payload, info) => {
    received.push({ payload, info });
  });
  return received;
}

describe('notifications', () => {
  const env = withBrokerAndDevice({ apps: [notifier] });

  it('delivers to one session, in order, with per-session sequence numbers', async () => {
    const control = env.device.session('notifier/n1', 'control');
    const kitchen = env.device.session('notifier/n1', 'kitchen');
    const received = collect(kitchen);
    for (let i = 1; i <= 5; i++) await control.call('send', i, 'kitchen');
    await control.call('send', 'not for kitchen', 'phone');
    await expect.poll(() => received.length).toBe(5);
    expect(received.map((r) => r.payload)).toEqual([1, 2, 3, 4, 5]);
    expect(received.map((r) => r.info.seq)).toEqual([1, 2, 3, 4, 5]);
    // Acknowledged notifications leave the queue.
    await expect.poll(() => control.call('outq', 'kitchen')).toEqual([]);
  });

  it('delivers to every session matching a pattern', async () => {
    const control = env.device.session('notifier/n2', 'control');
    const a = collect(env.device.session('notifier/n2', 'lamp-a'));
    const b = collect(env.device.session('notifier/n2', 'lamp-b'));
    const other = collect(env.device.session('notifier/n2', 'fan'));
    // Sessions exist once a device said hello in them.
    await expect.poll(async () => ((await control.call('sessions')) as { all: string[] }).all).toEqual(['control', 'fan', 'lamp-a', 'lamp-b']);
    await control.call('send', 'on', '/^lamp-');
    await expect.poll(() => a.length + b.length).toBe(2);
    expect([a[0]?.payload, b[0]?.payload]).toEqual(['on', 'on']);
    // The fan got nothing: a later notification to it is its first.
    await control.call('send', 'spin', 'fan');
    await expect.poll(() => other.map((r) => r.payload)).toEqual(['spin']);
    expect(await control.call('sessions')).toMatchObject({ current: 'control' });
  });

  it('keeps what is not acknowledged for a session nobody listens to, bounded by the queue limit (drop oldest)', async () => {
    const control = env.device.session('notifier/n3', 'control');
    await control.call('limit', 3, 'sleepy', 'drop-oldest');
    for (let i = 1; i <= 7; i++) await control.call('send', i, 'sleepy');
    expect(await control.call('outq', 'sleepy')).toEqual([5, 6, 7]);
    const received = collect(env.device.session('notifier/n3', 'sleepy'));
    await expect.poll(() => received.length).toBe(3);
    expect(received.map((r) => r.payload)).toEqual([5, 6, 7]);
    expect(received[0]?.info).toEqual({ seq: 5, dropped: 4, epoch: expect.any(Uint8Array) });
  });

  it('coalesces by key: only the latest per key is kept', async () => {
    const control = env.device.session('notifier/n4', 'control');
    await control.call('limit', 10, 'dash', 'coalesce');
    await control.call('sendKeyed', 20, 'dash', 'temp');
    await control.call('sendKeyed', 'open', 'dash', 'door');
    await control.call('sendKeyed', 21, 'dash', 'temp');
    expect(await control.call('outq', 'dash')).toEqual(['open', 21]);
  });

  it('refuses when full: the notifying transaction aborts with QUEUE_FULL and changes nothing', async () => {
    const control = env.device.session('notifier/n5', 'control');
    await control.call('limit', 2, 'strict', 'refuse');
    await control.call('send', 'a', 'strict');
    await control.call('send', 'b', 'strict');
    await expect(control.call('send', 'c', 'strict')).rejects.toMatchObject({ code: 'STEAD_E_QUEUE_FULL' });
    expect(await control.call('sent')).toBe(2);
    expect(await control.call('outq', 'strict')).toEqual(['a', 'b']);
  });
});
