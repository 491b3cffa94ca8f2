import { SteadError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { decoder, encoder } from './cbor.js';
import { checkFrame, malformed, nonce } from './frame-check.js';
import { readFrame } from './frame-reader.js';
import { bytes, bytesOrNull, finish, mark, number, start, text } from './frame-writer.js';
import { Kind, PROTOCOL_VERSION, type Begun, type Frame, type HelloFrame } from './frames.js';

/** Encodes any plain value with the frame codec's settings (also used for state snapshots). */
export function encodeValue(value: unknown): Buffer {
  return encoder.encode(value);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/**
 * Encodes a frame to the bytes of one MQTT payload: the envelope by hand (frame-writer.ts), or
 * the whole array by cbor-x when a field is not of its declared type. The bytes are the same.
 */
export function encodeFrame(frame: Frame): Buffer {
  return writeFrame(frame) ?? encoder.encode(frameArray(frame));
}

/** Hot path: a call frame without building the frame object first. */
export function encodeCall(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer {
  return writeCall(nonce, seq, answered, method, args) ?? encoder.encode([Kind.call, nonce, seq, answered, method, args]);
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

export function helloFrame(acked: number, agent: string): HelloFrame {
  return { kind: Kind.hello, version: PROTOCOL_VERSION, acked, agent };
}

/** The frame by hand, or null when a field is not of its declared type (untyped callers). */
function writeFrame(frame: Frame): Buffer | null {
  switch (frame.kind) {
    case Kind.hello:
      start(4, Kind.hello);
      return number(frame.version) && number(frame.acked) && text(frame.agent) ? finish(-1) : null;
    case Kind.call:
      return writeCall(frame.nonce, frame.seq, frame.answered, frame.method, frame.args);
    case Kind.reply:
      start(4, Kind.reply);
      return bytes(frame.ref) && number(frame.seq) ? finish(mark(), frame.value) : null;
    case Kind.notify: {
      start(4, Kind.notify);
      if (!number(frame.seq)) return null;
      const payloadAt = mark();
      return number(frame.dropped) ? finish(payloadAt, frame.payload) : null;
    }
    case Kind.ack:
      start(2, Kind.ack);
      return number(frame.seq) ? finish(-1) : null;
    case Kind.begin:
      start(4, Kind.begin);
      return number(frame.version) && bytes(frame.token) ? finish(mark(), frame.info) : null;
    case Kind.end:
      start(3, Kind.end);
      return bytes(frame.nonce) && number(frame.seq) ? finish(-1) : null;
    case Kind.error:
      start(6, Kind.error);
      return bytesOrNull(frame.ref) && number(frame.seq) && text(frame.code) && text(frame.message)
        ? finish(mark(), frame.data)
        : null;
  }
}

function writeCall(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer | null {
  start(6, Kind.call);
  return bytes(nonce) && number(seq) && number(answered) && text(method) ? finish(mark(), args) : null;
}

/** The frame as the array cbor-x writes (DESIGN §5: the fields in order, no names). */
function frameArray(frame: Frame): unknown[] {
  switch (frame.kind) {
    case Kind.hello:
      return [Kind.hello, frame.version, frame.acked, frame.agent];
    case Kind.call:
      return [Kind.call, frame.nonce, frame.seq, frame.answered, frame.method, frame.args];
    case Kind.reply:
      return [Kind.reply, frame.ref, frame.seq, frame.value];
    case Kind.notify:
      return [Kind.notify, frame.seq, frame.payload, frame.dropped];
    case Kind.ack:
      return [Kind.ack, frame.seq];
    case Kind.begin:
      return [Kind.begin, frame.version, frame.token, frame.info];
    case Kind.end:
      return [Kind.end, frame.nonce, frame.seq];
    case Kind.error:
      return [Kind.error, frame.ref, frame.seq, frame.code, frame.message, frame.data];
  }
}
