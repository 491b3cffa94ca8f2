import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice, Device, type DeviceOptions } from '../../device/index.js';
import notes from '../helpers/apps/notes-app.js';
import { it, test } from '../helpers/fixtures.js';

/** The wire limits a device enforces come from `connectDevice({ limits })`, merged with LIMITS. */
describe('device limits', () => {
  test.override('brokerOptions', { apps: [notes] });
  let broker: SteadBroker;
  let device: Device | undefined;

  test.beforeEach(({ broker: started }) => {
    broker = started;
  });

  afterEach(async () => {
    await device?.close();
    device = undefined;
  });

  it('maxFrameBytes: a call whose frame would exceed it is refused before it is sent', async () => {
    device = await connectDevice({ url: broker.url, limits: { maxFrameBytes: 1024 } });
    const session = device.session('notes/n', 'control');
    expect(await session.call('send', ['x'.repeat(900)], 'log')).toBeUndefined();
    const framesIn = broker.metrics.get('frames.in');
    await expect(session.call('send', ['x'.repeat(2000)], 'log')).rejects.toMatchObject({ code: 'STEAD_E_FRAME_TOO_LARGE' });
    expect(broker.metrics.get('frames.in')).toBe(framesIn);
  });

  it('maxValueDepth: arguments nested deeper are refused before they are sent', async () => {
    device = await connectDevice({ url: broker.url, limits: { maxValueDepth: 3 } });
    const session = device.session('notes/n', 'control');
    // The arguments, the payload list and one payload array: three levels; a fourth is too deep.
    expect(await session.call('send', [['ok']], 'log')).toBeUndefined();
    await expect(session.call('send', [[['too deep']]], 'log')).rejects.toMatchObject({ code: 'STEAD_E_BAD_ARGUMENTS' });
  });

  it('options that break the device’s schema are BAD_OPTIONS naming each field, before any connection', () => {
    const options = { url: broker.url, keepaliveSec: -1, reconnect: { initialMs: 0 }, sesion: {} };
    expect(() => new Device(options as unknown as DeviceOptions)).toThrow(
      expect.objectContaining({ code: 'STEAD_E_BAD_OPTIONS', data: { fields: ['reconnect.initialMs', 'keepaliveSec', 'sesion'] } }),
    );
  });

  it('an unknown limit, or one that is not a positive integer, is refused with BAD_OPTIONS', async () => {
    for (const limits of [{ maxFrameBytes: 0 }, { maxWindow: 1.5 }, { maxThings: 3 }]) {
      await expect(connectDevice({ url: broker.url, limits })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
    }
  });
});
