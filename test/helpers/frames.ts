import { randomBytes } from 'node:crypto';
import { bytesEqual } from '../../shared/bytes.js';
import { Kind, NONCE_BYTES, type ErrorFrame, type Frame, type ReplyFrame } from '../../shared/wire/frames.js';

/** Helpers for tests that speak frames by hand. */
export function token(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

export function asReply(frame: Frame): ReplyFrame {
  if (frame.kind !== Kind.reply) throw new Error(`expected a reply frame, got kind ${frame.kind}`);
  return frame;
}

export function asError(frame: Frame): ErrorFrame {
  if (frame.kind !== Kind.error) throw new Error(`expected an error frame, got kind ${frame.kind}`);
  return frame;
}

/** Whether a frame is the reply or error answering (ref, seq). */
export function isAnswer(frame: Frame, ref: Uint8Array, seq: number): boolean {
  return (frame.kind === Kind.reply || frame.kind === Kind.error) && bytesEqual(frame.ref, ref) && frame.seq === seq;
}
