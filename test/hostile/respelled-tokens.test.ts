import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { SIGNATURE_BYTES, TOKEN_NONCE_BYTES } from '../../shared/identity/index.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, tokenFor } from '../helpers/keys.js';
import { respellings } from '../helpers/respellings.js';

/**
 * A captured token, respelled: base64url leaves the last character's low bits free, so a nonce
 * has 16 spellings and a signature 16. Had the replay cache keyed on the nonce as sent, each
 * respelling would be a fresh nonce over the same signed bytes, and each CONNECT would take over
 * the honest device's connection. Decoding is canonical (shared/identity/base64url.ts): every
 * respelling is refused as `malformed`, before any signature check, and the honest device goes on.
 */
const NOT_AUTHORIZED = 5;

describe('respelled CONNECT tokens (captured, then respelled)', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await startBroker({ auth: {} });
    honest = await HonestDevice.start(broker);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await honest.device.close();
    await broker.close();
  });

  async function connectCode(options: IClientOptions): Promise<number> {
    const result = await attempt(broker.url, options);
    if (result.client) clients.push(result.client);
    return result.code;
  }

  /** The honest device's token for a second client id, used once (the capture), and its parts. */
  async function captured(): Promise<{ clientId: string; parts: string[] }> {
    const clientId = 'honest/captured';
    const token = tokenFor(honest.key, clientId);
    expect(await connectCode({ clientId, username: 'honest', password: Buffer.from(token) })).toBe(0);
    return { clientId, parts: token.split('.') };
  }

  async function expectAllRefused(clientId: string, tokens: readonly string[]): Promise<void> {
    const before = broker.metrics.get('auth.refused.malformed');
    for (const token of tokens) {
      expect(await connectCode({ clientId, username: 'honest', password: Buffer.from(token) })).toBe(NOT_AUTHORIZED);
    }
    expect(broker.metrics.get('auth.refused.malformed')).toBe(before + tokens.length);
    expect(broker.metrics.get('auth.refused.forged')).toBe(0);
    await honest.stop(3);
  }

  it('every respelling of the nonce is refused as malformed (15 of them), none replays the token', async () => {
    const { clientId, parts } = await captured();
    const spellings = respellings(parts[2] ?? '', TOKEN_NONCE_BYTES);
    expect(spellings).toHaveLength(15);
    await expectAllRefused(clientId, spellings.map((nonce) => [parts[0], parts[1], nonce, parts[3]].join('.')));
  });

  it('every respelling of the signature is refused as malformed (15 of them)', async () => {
    const { clientId, parts } = await captured();
    const spellings = respellings(parts[3] ?? '', SIGNATURE_BYTES);
    expect(spellings).toHaveLength(15);
    await expectAllRefused(clientId, spellings.map((signature) => [parts[0], parts[1], parts[2], signature].join('.')));
  });

  it('a respelled nonce of a token never used is refused too: only the canonical spelling opens', async () => {
    const clientId = 'honest/fresh';
    const parts = tokenFor(honest.key, clientId).split('.');
    const spellings = respellings(parts[2] ?? '', TOKEN_NONCE_BYTES);
    for (const nonce of spellings) {
      expect(await connectCode({ clientId, username: 'honest', password: Buffer.from([parts[0], parts[1], nonce, parts[3]].join('.')) })).toBe(NOT_AUTHORIZED);
    }
    expect(await connectCode({ clientId, username: 'honest', password: Buffer.from(parts.join('.')) })).toBe(0);
    expect(broker.metrics.get('auth.refused.malformed')).toBe(spellings.length);
    await honest.stop(3);
  });
});
