import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { isErrorCode, isSteadError } from '../../shared/errors.js';
import { createTopics } from '../../shared/topics.js';
import { decodeFrame } from '../../shared/wire/codec.js';
import { Kind, type Frame } from '../../shared/wire/frames.js';
import { it, test } from '../helpers/fixtures.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { grantNewKey, keyed } from '../helpers/keys.js';
import { beginBytes, token } from '../helpers/raw-session.js';
import { bytesEqual } from '../../shared/bytes.js';
import { hostilePayload } from './frame-arbitraries.js';

/**
 * Issue 8, hostile input: an authenticated device publishes generated frames on its own `…/in`
 * topic (frame-arbitraries.ts). DESIGN §5: each is answered with a typed error frame where there
 * is someone to answer, or dropped and counted; the broker never crashes, and an honest device
 * calling its own proxy throughout sees every call succeed exactly once.
 *
 * The oracle is the shared codec: a payload it refuses must be answered with an error frame of
 * the same code (ref null, or the begin token for UNSUPPORTED_VERSION); and every error frame the
 * broker sends is counted under its code, one for one.
 */
const FRAMES = Number(process.env.STEAD_HOSTILE_FRAMES ?? 10_000);
const SEED = Number(process.env.STEAD_HOSTILE_SEED ?? Date.now() % 2 ** 31);
const BATCH = 500;
const topics = createTopics();
const IN = topics.inbound('toaster', 'mallory', 'evil');
const OUT = topics.outbound('toaster', 'mallory', 'evil');
const SENTINEL_IN = topics.inbound('toaster', 'mallory', 'sentinel');
const SENTINEL_OUT = topics.outbound('toaster', 'mallory', 'sentinel');

/** What the codec says of a payload: the code it refuses it with, or the frame it decodes to. */
function verdict(payload: Uint8Array): string | Frame {
  try {
    return decodeFrame(payload);
  } catch (error) {
    if (!isSteadError(error)) throw new Error(`the codec threw a ${String(error)} that is not a SteadError`);
    return error.code;
  }
}

function tally(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

describe(`${FRAMES} generated hostile frames (issue 8; seed ${SEED}, STEAD_HOSTILE_FRAMES raises the count)`, () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  let mallory: MqttClient;

  test.override('brokerOptions', { auth: {} });

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    honest = await HonestDevice.start(broker);
    mallory = await mqtt.connectAsync(broker.url, { ...keyed(await grantNewKey(broker, 'mallory')), reconnectPeriod: 0 });
    await mallory.subscribeAsync([OUT, SENTINEL_OUT], { qos: 1 });
  });

  afterEach(async () => {
    await mallory.endAsync(true);
    await honest.device.close();
  });

  it('each is refused with its code or dropped and counted; the broker stays up; the honest device is unharmed', async () => {
    const answers: Frame[] = [];
    const sentinels: Frame[] = [];
    let sentinelWaiter: (() => void) | null = null;
    let closed = false;
    mallory.once('close', () => (closed = true));
    mallory.on('message', (topic, payload) => {
      // What the broker sends must itself decode: a throw here fails the test.
      const frame = decodeFrame(payload);
      if (topic === OUT) answers.push(frame);
      else {
        sentinels.push(frame);
        sentinelWaiter?.();
      }
    });
    const counted = (): Map<string, number> => new Map(Object.entries(broker.metrics.snapshot()).filter(([name]) => name.startsWith('STEAD_E_')));
    const countedBefore = counted();
    const expected = new Map<string, number>();
    const decoded = new Map<string, number>();
    const payloads = fc.sample(hostilePayload, { numRuns: FRAMES, seed: SEED });

    for (let start = 0; start < payloads.length; start += BATCH) {
      const batch = payloads.slice(start, start + BATCH);
      for (const payload of batch) {
        const frame = verdict(payload);
        if (typeof frame === 'string') tally(expected, frame);
        else tally(decoded, String(frame.kind));
      }
      await Promise.all(batch.map((payload) => mallory.publishAsync(IN, Buffer.from(payload), { qos: 1 })));
      // A begin on another session of the same proxy: its inbox is FIFO, so once it is answered every
      // frame of the batch has been handled (a refusal at decode is answered before it is queued).
      const ref = token();
      const answered = new Promise<void>((resolve) => {
        sentinelWaiter = () => {
          if (sentinels.some((f) => f.kind === Kind.reply && bytesEqual(f.ref, ref))) resolve();
        };
      });
      expect(closed, 'the broker closed the hostile device').toBe(false);
      await mallory.publishAsync(SENTINEL_IN, beginBytes(ref), { qos: 1 });
      await answered;
    }

    // The honest device kept calling throughout, every call answered once (HonestDevice.stop asserts it).
    expect(await honest.stop(3)).toBeGreaterThan(3);
    // Every frame reached the runtime: none was lost on the way, none took the broker down.
    const batches = Math.ceil(payloads.length / BATCH);
    expect(broker.metrics.get('frames.in')).toBe(payloads.length + batches + honest.frames);

    // The codec's refusals, each answered with its code (ref null; a begin's token for a version).
    const answeredAtDecode = new Map<string, number>();
    const answeredByCode = new Map<string, number>();
    for (const frame of answers) {
      if (frame.kind !== Kind.error) continue;
      expect(isErrorCode(frame.code), frame.code).toBe(true);
      tally(answeredByCode, frame.code);
      if (frame.seq === 0 && (frame.ref === null || frame.code === 'STEAD_E_UNSUPPORTED_VERSION')) tally(answeredAtDecode, frame.code);
    }
    // A frame that decodes is refused later with its own correlation; hello and ack carry none (ref null),
    // nor do the proxy → device kinds (reply, notify, error), refused as MALFORMED_FRAME when a device sends them.
    const uncorrelated = [Kind.hello, Kind.ack, Kind.reply, Kind.notify, Kind.error].reduce<number>((sum, kind) => sum + (decoded.get(String(kind)) ?? 0), 0);
    expect(answeredAtDecode.get('STEAD_E_FRAME_TOO_LARGE') ?? 0).toBe(expected.get('STEAD_E_FRAME_TOO_LARGE') ?? 0);
    expect(answeredAtDecode.get('STEAD_E_UNSUPPORTED_VERSION') ?? 0).toBe(expected.get('STEAD_E_UNSUPPORTED_VERSION') ?? 0);
    const malformed = answeredAtDecode.get('STEAD_E_MALFORMED_FRAME') ?? 0;
    expect(malformed).toBeGreaterThanOrEqual(expected.get('STEAD_E_MALFORMED_FRAME') ?? 0);
    expect(malformed).toBeLessThanOrEqual((expected.get('STEAD_E_MALFORMED_FRAME') ?? 0) + uncorrelated);
    if (process.env.STEAD_HOSTILE_REPORT) console.log({ seed: SEED, refusedAtDecode: Object.fromEntries(expected), decodedByKind: Object.fromEntries(decoded), answered: Object.fromEntries(answeredByCode) });

    // Each error frame is counted under its code, and each count has its frame (the sentinels' begins answer with replies).
    const countedAfter = counted();
    const delta = new Map([...countedAfter].map(([code, n]) => [code, n - (countedBefore.get(code) ?? 0)]).filter(([, n]) => n !== 0) as [string, number][]);
    expect(Object.fromEntries(delta)).toEqual(Object.fromEntries(answeredByCode));

    // Each sentinel begin was answered: the proxy under attack still serves its other sessions.
    expect(sentinels.filter((f) => f.kind === Kind.reply)).toHaveLength(batches);
  });
});
