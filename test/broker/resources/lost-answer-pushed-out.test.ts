import { afterEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { RESOURCE_CHANNELS } from '../../../broker/record/resource-channels.js';
import { connectDevice, type Device, type ResourceClient } from '../../../device/index.js';
import { startBroker } from '../../helpers/broker.js';
import { codeOfAsync } from '../../helpers/errors.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const PROXY = 'toaster/vault';
const SECRET = 'S3CRET-0f-the-vault';
/** More writes than the proxy once kept answers for, in all. */
const MANY_WRITES = 100;

/**
 * DESIGN §6 (rule 3 for resource requests): a resource write whose answer was lost is sent again
 * by its client until answered, and it never runs twice — however busy the proxy was meanwhile.
 * Each client's channel keeps its own answers, so other clients' writes cannot push them out; a
 * channel forgotten among more channels than the proxy keeps gets OUTCOME_UNKNOWN, never a second
 * run. Real broker, real ResourceClient, a real TCP forwarder that cuts the answer.
 */
describe('a resource request whose answer is lost, sent again after many other writes', () => {
  let broker: SteadBroker | undefined;
  let proxy: TcpProxy | undefined;
  const devices: Device[] = [];

  afterEach(async () => {
    for (const device of devices.splice(0)) await device.close();
    await proxy?.close();
    await broker?.close();
    broker = proxy = undefined;
  });

  /** A writer on the broker itself, and a client on channel `flaky` behind the forwarder. */
  async function setup(): Promise<{ writer: ResourceClient; busy: Device; flaky: ResourceClient }> {
    broker = await startBroker();
    proxy = await startTcpProxy(broker.port);
    const busy = await connectDevice({ url: broker.url });
    const far = await connectDevice({ url: proxy.url, reconnect: { initialMs: 20, maxMs: 100 } });
    devices.push(busy, far);
    return {
      busy,
      writer: busy.resources(PROXY, { deadlineMs: 20_000 }),
      flaky: far.resources(PROXY, { channel: 'flaky', deadlineMs: 30_000, retryMs: 50 }),
    };
  }

  /** The next answer to channel `flaky` is cut on its way back, and the link stays down. */
  function cutNextAnswer(): Promise<void> {
    const forwarder = proxy as TcpProxy;
    return new Promise((resolve) =>
      forwarder.interceptDownstream((chunk) => {
        if (!chunk.includes(`${PROXY}/flaky/out`)) return false;
        forwarder.refuse(true);
        resolve();
        return true;
      }),
    );
  }

  function reconnect(): void {
    proxy?.interceptDownstream(null);
    proxy?.refuse(false);
  }

  it('a SINK runs once: a newer acknowledged write is not overwritten, and the resend gets its first answer', async () => {
    const { writer, flaky } = await setup();
    const cut = cutNextAnswer();
    const write = flaky.sink('kitchen', 'color', 'old');
    await cut;
    await writer.sink('kitchen', 'color', 'new');
    for (let i = 0; i < MANY_WRITES; i++) await writer.sink('other', `k${i % 8}`, i);
    reconnect();
    await expect(write).resolves.toBeUndefined();
    expect(await writer.source('kitchen', 'color')).toBe('new');
  });

  it('a once-only SOURCE gets its value when sent again, and the value never comes back a second time', async () => {
    const { writer, flaky } = await setup();
    await writer.sink('kitchen', 'secret', SECRET, { once: true });
    const cut = cutNextAnswer();
    const read = flaky.source('kitchen', 'secret');
    await cut;
    for (let i = 0; i < MANY_WRITES; i++) await writer.sink('other', `k${i % 8}`, i);
    reconnect();
    expect(await read).toBe(SECRET);
    expect(await writer.exists('kitchen', 'secret')).toBe(false);
  });

  it.each(['SINK', 'SOURCE'] as const)(`%s: past ${RESOURCE_CHANNELS} other channels writing meanwhile, the channel is forgotten: OUTCOME_UNKNOWN, never a second run`, async (verb) => {
    const { writer, busy, flaky } = await setup();
    await writer.sink('kitchen', 'secret', SECRET, { once: true });
    const cut = cutNextAnswer();
    const request = verb === 'SINK' ? flaky.sink('kitchen', 'color', 'old') : flaky.source('kitchen', 'secret');
    await cut;
    await writer.sink('kitchen', 'color', 'new');
    // Each a client of its own, as `stead session put` runs are.
    for (let i = 0; i <= RESOURCE_CHANNELS; i++) {
      const client = busy.resources(PROXY, { channel: `w${i}` });
      await client.sink('other', 'k', i);
      await client.close();
    }
    reconnect();
    expect(await codeOfAsync(() => request)).toBe('STEAD_E_OUTCOME_UNKNOWN');
    expect(await writer.source('kitchen', 'color')).toBe('new');
    expect(await writer.exists('kitchen', 'secret')).toBe(verb === 'SINK');
  });
});
