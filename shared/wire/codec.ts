/**
 * The wire codec's public face (DESIGN §5). Frames are encoded by hand (frame-writer.ts over
 * writer.ts) and decoded by a fast reader for the spellings Stead writes (frame-reader.ts over
 * reader.ts) with the general cbor-x path behind it (frame-check.ts); the bytes and the decoded
 * frames are exactly those of cbor-x alone, which test/shared/codec-paths.test.ts checks.
 */
import { SteadError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { decoder } from './cbor.js';
import { checkFrame, malformed, nonce } from './frame-check.js';
import { readFrame } from './frame-reader.js';
import { writeCall, writeFrame } from './frame-writer.js';
import { single } from './writer.js';

export { ValueTooLarge } from './writer.js';
import { Kind, PROTOCOL_VERSION, type Begun, type Frame, type HelloFrame } from './frames.js';

/** Encodes any value as cbor-x would, through the fast writer (state snapshots, records). */
export function encodeValue(value: unknown, maxBytes?: number): Buffer {
  return single(value, maxBytes);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** Encodes a frame to the bytes of one MQTT payload (the bytes cbor-x writes for its array). */
export function encodeFrame(frame: Frame): Buffer {
  return writeFrame(frame);
}

/** Hot path: a call frame without building the frame object first. */
export function encodeCall(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer {
  return writeCall(nonce, seq, answered, method, args);
}

/**
 * Decodes one MQTT payload. Any input yields a frame or a SteadError with code
 * MALFORMED_FRAME, FRAME_TOO_LARGE or UNSUPPORTED_VERSION; never another kind of throw.
 * Frames as Stead writes them take the fast path (frame-reader.ts); everything else, valid in
 * another spelling or not valid at all, the general one (frame-check.ts).
 */
export function decodeFrame(bytes: Uint8Array, maxBytes: number = LIMITS.maxFrameBytes): Frame {
  if (bytes.length > maxBytes) {
    throw new SteadError('FRAME_TOO_LARGE', `frame of ${bytes.length} bytes exceeds ${maxBytes}`);
  }
  return readFrame(bytes) ?? checkFrame(bytes);
}

/** The frame a proxy answers a begin with; see {@link Begun}. */
export function begunValue(begun: Begun): unknown[] {
  return [begun.nonce, begun.memento, begun.crashed];
}

export function parseBegun(value: unknown): Begun {
  if (!Array.isArray(value) || value.length !== 3 || typeof value[2] !== 'boolean') {
    throw malformed('begin reply has the wrong shape');
  }
  return { nonce: nonce(value[0]), memento: value[1], crashed: value[2] };
}

/** A hello: from a device, its instance nonce; from the proxy, null (the epoch names the queue). */
export function helloFrame(acked: number, agent: string, nonce: Uint8Array | null, epoch: Uint8Array | null): HelloFrame {
  return { kind: Kind.hello, version: PROTOCOL_VERSION, acked, agent, nonce, epoch };
}
