import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, defineProxy, type SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device, type NotificationInfo } from '../../device/index.js';
import { startBroker } from '../helpers/broker.js';
import { failingStore, type FailingStore } from '../helpers/failing-store.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

/** Opened by the test: `hold` keeps the proxy's inbox busy until then, so messages queue in order. */
let open: () => void = () => undefined;

const bell = defineProxy({
  name: 'bell',
  init: () => ({ rung: 0 }),
  methods: {
    ring: {
      args: ['string'],
      run(ctx, target: string) {
        ctx.state.rung++;
        ctx.notify(ctx.state.rung, target);
        return ctx.state.rung;
      },
    },
    hold: { args: [], run: () => new Promise<void>((resolve) => (open = resolve)) },
  },
});

/**
 * DESIGN §4 and §12: a committed notification is delivered at least once over the wire and once
 * to the app, across reconnects. The reconnect race: the device has resubscribed but its hello
 * (which asks for the resend of what it has not acknowledged) is still queued at the proxy when a
 * new notification goes out. The new one arrives first, after a gap.
 */
describe('notifications across a reconnect', () => {
  let store: FailingStore;
  let broker: SteadBroker;
  let tcp: TcpProxy;
  let watcher: Device;
  let control: Device;

  beforeEach(async () => {
    store = failingStore(createMemoryStore());
    broker = await startBroker({ apps: [bell], store });
    tcp = await startTcpProxy(broker.port);
    watcher = await connectDevice({ url: tcp.url, reconnect: { initialMs: 20, maxMs: 100 } });
    control = await connectDevice({ url: broker.url });
  });

  afterEach(async () => {
    open();
    await Promise.all([watcher.close(), control.close()]);
    await tcp.close();
    await broker.close();
  });

  // BUG (device/session/notifications.ts): the device takes the gap for a drop by the proxy,
  // delivers 3 with `dropped: 1`, acknowledges 3 cumulatively, ignores the resent 2 (seq already
  // passed), and the proxy then forgets 2: a committed notification is lost. Remove `.fails`
  // once the device waits for the hello's resend instead of accepting the gap.
  it('a notification that overtakes the resend after a reconnect does not make the device lose one', async () => {
    const watch = watcher.session('bell/b', 'watch');
    const received: { payload: unknown; info: NotificationInfo }[] = [];
    watch.onNotify((payload, info) => {
      received.push({ payload, info });
    });
    const ringer = control.session('bell/b', 'ringer');
    const holder = control.session('bell/b', 'holder');
    await holder.begin();
    expect(await ringer.call('ring', 'watch')).toBe(1);
    await until(() => received.length === 1);

    // 2 is committed and queued while the watcher is away.
    tcp.refuse(true);
    tcp.cut();
    await new Promise<void>((resolve) => watcher.once('disconnect', resolve));
    expect(await ringer.call('ring', 'watch')).toBe(2);

    // The proxy is held; ring 3 waits in its inbox, then the watcher's hello behind it.
    const framesIn = broker.metrics.get('frames.in');
    const held = holder.call('hold');
    const rung = ringer.call('ring', 'watch');
    await until(() => broker.metrics.get('frames.in') >= framesIn + 2, 5000, 'hold and ring in the inbox');
    tcp.refuse(false);
    await until(() => broker.metrics.get('frames.in') >= framesIn + 3, 5000, 'the hello in the inbox');
    open();
    await held;
    expect(await rung).toBe(3);
    expect(await ringer.call('ring', 'watch')).toBe(4);
    await until(() => received.some((r) => r.payload === 4), 5000, 'notification 4');

    expect(received.map((r) => r.payload)).toEqual([1, 2, 3, 4]);
    expect(received.map((r) => r.info.dropped)).toEqual([0, 0, 0, 0]);
  });

  // BUG (same root cause): after an ambiguous commit (written, confirmation lost) the proxy
  // reloads with 1 queued but never pushes it — only a hello (a reconnect) would — and the next
  // notification makes the device skip it as above. Remove `.fails` with the same fix (on a gap,
  // ask for the resend with a hello instead of accepting it).
  it('a notification committed by an ambiguous commit reaches a device that stays connected', async () => {
    const watch = watcher.session('bell/b', 'watch');
    const received: unknown[] = [];
    watch.onNotify((payload) => {
      received.push(payload);
    });
    const ringer = control.session('bell/b', 'ringer', { retryMs: 100 });
    await ringer.begin();
    await until(() => broker.metrics.get('frames.in') >= 2, 5000, 'the hello and the begin');
    store.failCommits('after', 1);
    expect(await ringer.call('ring', 'watch')).toBe(1);
    expect(await ringer.call('ring', 'watch')).toBe(2);
    await until(() => received.includes(2), 5000, 'notification 2');
    await watch.notificationsSettled();
    expect(received).toEqual([1, 2]);
  });
});
