import { afterEach, describe, expect } from 'vitest';
import type { DeviceSession } from '../../device/index.js';
import { bytesEqual } from '../../shared/bytes.js';
import { createTopics } from '../../shared/topics.js';
import { encodeFrame, helloFrame, parseBegun } from '../../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION, type Frame, type HelloFrame } from '../../shared/wire/frames.js';
import notes from '../helpers/apps/notes-app.js';
import { it, test } from '../helpers/fixtures.js';
import { asError, asReply, connectRaw, isAnswer, token, type RawClient } from '../helpers/raw-session.js';

const topics = createTopics();
const IN = topics.inbound('notes', 'n', 'watch');
const OUT = topics.outbound('notes', 'n', 'watch');

function asHello(frame: Frame): HelloFrame {
  if (frame.kind !== Kind.hello) throw new Error(`expected a hello, got kind ${frame.kind}`);
  return frame;
}

/**
 * Hole 7 (DESIGN §4 rule 2 applied to notifications): only the session's current instance may
 * acknowledge, by ack frame or by the `acked` of its hello, so that a fenced device cannot make
 * the proxy forget notifications the current one has not handled. Refusals name the nonce, seq 0.
 */
describe('only the current instance acknowledges notifications', () => {
  test.override('brokerOptions', { apps: [notes] });
  let raw: RawClient;
  let control: DeviceSession;

  test.beforeEach(async ({ broker, device }) => {
    raw = await connectRaw(broker.url);
    await raw.subscribe(OUT);
    control = device.session('notes/n', 'control');
  });

  afterEach(async () => {
    await raw.close();
  });

  async function begin(): Promise<Uint8Array> {
    const ref = token();
    const answer = raw.nextFrame(OUT, (f) => isAnswer(f, ref, 0));
    await raw.publish(IN, encodeFrame({ kind: Kind.begin, version: PROTOCOL_VERSION, token: ref, info: null }));
    return parseBegun(asReply(await answer).value).nonce;
  }

  /**
   * Sends a hello; resolves with what answered it, in order: a refusal if any, the answer, the
   * resent queue. A refused ack from a stranger, sent right after, marks the end.
   */
  async function hello(acked: number, nonce: Uint8Array | null, epoch: Uint8Array | null): Promise<Frame[]> {
    const before = raw.frames(OUT).length;
    const marker = token();
    const end = raw.nextFrame(OUT, (f) => f.kind === Kind.error && bytesEqual(f.ref, marker));
    await raw.publish(IN, encodeFrame(helloFrame(acked, 'test', nonce, epoch)));
    await raw.publish(IN, encodeFrame({ kind: Kind.ack, nonce: marker, seq: 0 }));
    await end;
    const frames = raw.frames(OUT).slice(before, -1);
    // Notifications published before the hello may still be arriving: start at its answer.
    return frames.slice(frames.findIndex((f) => f.kind === Kind.hello || f.kind === Kind.error));
  }

  const outq = (): Promise<unknown> => control.call('outq', 'watch');

  it('an ack from a fenced instance is refused with STALE_INSTANCE and changes nothing', async () => {
    const fenced = await begin();
    const current = await begin();
    await control.call('send', ['a', 'b', 'c'], 'watch');

    const refusal = raw.nextFrame(OUT, (f) => f.kind === Kind.error && bytesEqual(f.ref, fenced));
    await raw.publish(IN, encodeFrame({ kind: Kind.ack, nonce: fenced, seq: 3 }));
    expect(asError(await refusal)).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE', seq: 0 });
    expect(await outq()).toEqual(['a', 'b', 'c']);

    await raw.publish(IN, encodeFrame({ kind: Kind.ack, nonce: current, seq: 2 }));
    await expect.poll(outq).toEqual(['c']);
  });

  it('an ack when no instance holds the session is refused: NOT_BEGUN, or STALE_INSTANCE from the one that ended', async () => {
    await control.call('send', ['a'], 'watch');
    const stranger = token();
    const notBegun = raw.nextFrame(OUT, (f) => f.kind === Kind.error && bytesEqual(f.ref, stranger));
    await raw.publish(IN, encodeFrame({ kind: Kind.ack, nonce: stranger, seq: 1 }));
    expect(asError(await notBegun)).toMatchObject({ code: 'STEAD_E_NOT_BEGUN', seq: 0 });

    const ended = await begin();
    const endAnswer = raw.nextFrame(OUT, (f) => isAnswer(f, ended, 1));
    await raw.publish(IN, encodeFrame({ kind: Kind.end, nonce: ended, seq: 1 }));
    expect((await endAnswer).kind).toBe(Kind.reply);
    const stale = raw.nextFrame(OUT, (f) => f.kind === Kind.error && bytesEqual(f.ref, ended));
    await raw.publish(IN, encodeFrame({ kind: Kind.ack, nonce: ended, seq: 1 }));
    expect(asError(await stale)).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE', seq: 0 });
    expect(await outq()).toEqual(['a']);
  });

  it('a hello is always answered with the horizon, the epoch and the queue; its ack counts only from the current instance, in that epoch', async () => {
    const fenced = await begin();
    const current = await begin();
    await control.call('send', ['a', 'b', 'c'], 'watch');
    const seqs = (frames: Frame[]): number[] => frames.flatMap((f) => (f.kind === Kind.notify ? [f.seq] : []));

    // Without an instance: answered and resent; nothing acknowledged.
    const anonymous = await hello(3, null, null);
    const answer = asHello(anonymous[0] as Frame);
    expect(answer).toMatchObject({ acked: 3, nonce: null });
    const epoch = answer.epoch as Uint8Array;
    expect(epoch).toHaveLength(8);
    expect(seqs(await hello(3, null, epoch))).toEqual([1, 2, 3]);
    expect(await outq()).toEqual(['a', 'b', 'c']);

    // From a fenced instance: the refusal comes first, then the answer and the queue.
    const fromFenced = await hello(3, fenced, epoch);
    const refusal = asError(fromFenced[0] as Frame);
    expect(refusal).toMatchObject({ code: 'STEAD_E_STALE_INSTANCE', seq: 0 });
    expect(bytesEqual(refusal.ref, fenced)).toBe(true);
    expect(bytesEqual(asHello(fromFenced[1] as Frame).epoch, epoch)).toBe(true);
    expect(seqs(fromFenced)).toEqual([1, 2, 3]);
    expect(await outq()).toEqual(['a', 'b', 'c']);

    // From the current instance but another epoch: its seqs are not this queue's.
    await hello(2, current, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
    expect(await outq()).toEqual(['a', 'b', 'c']);

    // From the current instance, in this epoch: applied before the resend.
    expect(seqs(await hello(2, current, epoch))).toEqual([3]);
    expect(await outq()).toEqual(['c']);
  });
});
