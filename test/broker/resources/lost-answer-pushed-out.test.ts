import { afterEach, describe, expect } from 'vitest';
import { RESOURCE_ANSWERS } from '../../../broker/record/resources.js';
import { connectDevice, type Device } from '../../../device/index.js';
import { codeOfAsync } from '../../helpers/errors.js';
import { it } from '../../helpers/fixtures.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const SECRET = 'S3CRET-0f-the-vault';

/**
 * DESIGN §6: a reader whose answer to a once-only SOURCE was lost gets it when its request is
 * sent again — while the proxy still keeps that answer (its last 64 writes). A flaky link that
 * stays down while other clients write more than that must not turn the consumed value into a
 * plain "absent": the reader would lose the value silently. It must learn that the outcome is
 * unknown (STEAD_E_OUTCOME_UNKNOWN), and the value must still never come back a second time.
 */
describe('a once-only read whose answer is lost and pushed out of the kept answers', () => {
  let proxy: TcpProxy | undefined;
  const devices: Device[] = [];

  afterEach(async () => {
    for (const device of devices.splice(0)) await device.close();
    await proxy?.close();
    proxy = undefined;
  });

  it('the reader is told the outcome is unknown, not that the value is absent', async ({ broker }) => {
    proxy = await startTcpProxy(broker.port);
    const busy = await connectDevice({ url: broker.url });
    const flaky = await connectDevice({ url: proxy.url, reconnect: { initialMs: 20, maxMs: 100 } });
    devices.push(busy, flaky);
    const writer = busy.resources('toaster/vault', { deadlineMs: 10_000 });
    const reader = flaky.resources('toaster/vault', { deadlineMs: 10_000, retryMs: 50 });
    await writer.sink('kitchen', 'secret', SECRET, { once: true });

    // The answer carrying the value is cut on its way back; the link stays down.
    const sawAnswer = new Promise<void>((resolve) =>
      proxy?.interceptDownstream((chunk) => {
        if (!chunk.includes(SECRET)) return false;
        proxy?.refuse(true);
        resolve();
        return true;
      }),
    );
    const read = reader.source('kitchen', 'secret');
    const outcome = read.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await sawAnswer;
    // Meanwhile the proxy is busy: more writes than it keeps answers for.
    for (let i = 0; i <= RESOURCE_ANSWERS; i++) await writer.sink('other', `k${i % 8}`, i);
    proxy.interceptDownstream(null);
    proxy.refuse(false);

    const settled = await outcome;
    expect(settled).not.toEqual({ value: undefined });
    expect(await codeOfAsync(() => read)).toBe('STEAD_E_OUTCOME_UNKNOWN');
    // Consumed once, and only once.
    expect(await writer.exists('kitchen', 'secret')).toBe(false);
  });
});

describe('a once-only read whose answer is lost while the proxy still keeps it', () => {
  let proxy: TcpProxy | undefined;
  let device: Device | undefined;

  afterEach(async () => {
    await device?.close();
    await proxy?.close();
    proxy = device = undefined;
  });

  it('the resend (marked again) gets the kept answer: the value', async ({ broker }) => {
    proxy = await startTcpProxy(broker.port);
    device = await connectDevice({ url: proxy.url, reconnect: { initialMs: 20, maxMs: 100 } });
    const reader = device.resources('toaster/vault', { deadlineMs: 10_000, retryMs: 50 });
    await reader.sink('kitchen', 'secret', SECRET, { once: true });
    let cuts = 0;
    proxy.interceptDownstream((chunk) => chunk.includes(SECRET) && ++cuts === 1);
    expect(await reader.source('kitchen', 'secret')).toBe(SECRET);
    expect(cuts).toBe(2);
    expect(await reader.exists('kitchen', 'secret')).toBe(false);
  });
});
