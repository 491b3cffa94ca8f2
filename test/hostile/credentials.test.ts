import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { fromBase64Url, newDeviceKey, SIGNATURE_BYTES, toBase64Url, type DeviceKey } from '../../shared/identity/index.js';
import { it, test } from '../helpers/fixtures.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, grantNewKey, keyed, tokenFor } from '../helpers/keys.js';

/**
 * Issue 8, hostile input: forged, replayed and foreign credentials, tried while an honest device
 * calls its proxy. DESIGN §7: each CONNECT is refused with CONNACK 5 "not authorized", counted
 * under its reason, touching no session; the broker stays up and the honest device is unharmed.
 */
const NOT_AUTHORIZED = 5;

/** A token whose signature has one bit flipped. */
function bitFlipped(token: string, bit: number): string {
  const parts = token.split('.');
  const signature = fromBase64Url(parts[3] ?? '', SIGNATURE_BYTES);
  if (!signature) throw new Error('not a v1 token');
  const at = bit % (SIGNATURE_BYTES * 8);
  signature[at >> 3] = (signature[at >> 3] ?? 0) ^ (1 << (at & 7));
  parts[3] = toBase64Url(signature);
  return parts.join('.');
}

function credentials(device: string, clientId: string, password: string): IClientOptions {
  return { clientId, username: device, password: Buffer.from(password) };
}

describe('forged, replayed and foreign credentials (issue 8)', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  let mallory: DeviceKey;
  const clients: MqttClient[] = [];

  test.override('brokerOptions', { auth: {} });

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    honest = await HonestDevice.start(broker);
    mallory = await grantNewKey(broker, 'mallory');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await honest.device.close();
  });

  /** One CONNECT: its CONNACK code (the client kept for cleanup when accepted). */
  async function tryConnect(options: IClientOptions): Promise<number> {
    const result = await attempt(broker.url, options);
    if (result.client) clients.push(result.client);
    return result.code;
  }

  /** Refused with CONNACK 5 and counted once under `reason`; no proxy record made; the honest device unharmed. */
  async function expectRefused(reason: string, options: IClientOptions): Promise<void> {
    const before = broker.metrics.get(`auth.refused.${reason}`);
    expect(await tryConnect({ ...options, clean: false })).toBe(NOT_AUTHORIZED);
    expect(broker.metrics.get(`auth.refused.${reason}`)).toBe(before + 1);
    expect(await broker.store.list('toaster/mallory')).toEqual([]);
    await honest.stop(3);
  }

  it("another device's identity with my key (username honest, signed by mallory)", async () => {
    await expectRefused('forged', credentials('honest', 'honest/x', tokenFor(mallory, 'honest/x')));
  });

  it("another device's token for its own client id, presented under my name (the client id is not mine)", async () => {
    const stolen = tokenFor(honest.key, 'honest/y');
    await expectRefused('client_id', credentials('mallory', 'honest/y', stolen));
  });

  it("another device's token captured off the wire after it connected with it", async () => {
    const captured = credentials('honest', 'honest/z', tokenFor(honest.key, 'honest/z'));
    expect(await tryConnect(captured)).toBe(0);
    await expectRefused('replayed', captured);
  });

  it('a token signed for another audience (another broker)', async () => {
    await expectRefused('forged', credentials('mallory', 'mallory/a', tokenFor(mallory, 'mallory/a', { audience: 'elsewhere' })));
  });

  it('a token for another client id', async () => {
    await expectRefused('forged', credentials('mallory', 'mallory/b', tokenFor(mallory, 'mallory/a')));
  });

  it.each([0, 1, 100, 511])('a signature with bit %i flipped', async (bit) => {
    await expectRefused('forged', credentials('mallory', 'mallory/a', bitFlipped(tokenFor(mallory, 'mallory/a'), bit)));
  });

  it('a replayed CONNECT (the same token a second time)', async () => {
    const options = keyed(mallory, 'mallory/r');
    expect(await tryConnect(options)).toBe(0);
    await expectRefused('replayed', options);
  });

  it('an unknown key', async () => {
    await expectRefused('unknown', keyed(newDeviceKey('stranger')));
  });

  it('a revoked key', async () => {
    await broker.auth.keys?.revoke('mallory');
    await expectRefused('revoked', keyed(mallory));
  });

  it('a token from outside the clock window', async () => {
    await expectRefused('expired', credentials('mallory', 'mallory/t', tokenFor(mallory, 'mallory/t', { timestamp: Date.now() - 6 * 60_000 })));
  });

  it('a password that is not a token', async () => {
    await expectRefused('malformed', credentials('mallory', 'mallory/m', 'v1.x.y.z'));
  });
});
