import { Decoder, Encoder } from 'cbor-x';
import { SteadError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { isPlainData } from './plain-data.js';
import {
  Kind,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  type Begun,
  type CallFrame,
  type Frame,
  type HelloFrame,
} from './frames.js';

// Plain CBOR: no record extension (no structures shared between peers), byte strings untagged.
const codecOptions = { useRecords: false, tagUint8Array: false, mapsAsObjects: true } as const;
const encoder = new Encoder(codecOptions);
// Decoded byte strings (nonces, tokens, app bytes) are copies: a view would pin the whole MQTT
// payload (or the socket chunk it is a slice of) in long-lived records, and change with it.
const decoder = new Decoder({ ...codecOptions, copyBuffers: true });

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Encodes any plain value with the frame codec's settings (also used for state snapshots). */
export function encodeValue(value: unknown): Buffer {
  return encoder.encode(value);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** Encodes a frame to the bytes of one MQTT payload. */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.kind) {
    case Kind.hello:
      return encoder.encode([Kind.hello, frame.version, frame.acked, frame.agent]);
    case Kind.call:
      return encoder.encode([Kind.call, frame.nonce, frame.seq, frame.answered, frame.method, frame.args]);
    case Kind.reply:
      return encoder.encode([Kind.reply, frame.ref, frame.seq, frame.value]);
    case Kind.notify:
      return encoder.encode([Kind.notify, frame.seq, frame.payload, frame.dropped]);
    case Kind.ack:
      return encoder.encode([Kind.ack, frame.seq]);
    case Kind.begin:
      return encoder.encode([Kind.begin, frame.version, frame.token, frame.info]);
    case Kind.end:
      return encoder.encode([Kind.end, frame.nonce, frame.seq]);
    case Kind.error:
      return encoder.encode([Kind.error, frame.ref, frame.seq, frame.code, frame.message, frame.data]);
  }
}

/** Hot path: a call frame without building the frame object first. */
export function encodeCall(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer {
  return encoder.encode([Kind.call, nonce, seq, answered, method, args]);
}

/**
 * Decodes one MQTT payload. Any input yields a frame or a SteadError with code
 * MALFORMED_FRAME, FRAME_TOO_LARGE or UNSUPPORTED_VERSION; never another kind of throw.
 */
export function decodeFrame(bytes: Uint8Array, maxBytes: number = LIMITS.maxFrameBytes): Frame {
  if (bytes.length > maxBytes) {
    throw new SteadError('FRAME_TOO_LARGE', `frame of ${bytes.length} bytes exceeds ${maxBytes}`);
  }
  let raw: unknown;
  try {
    raw = decoder.decode(bytes);
  } catch (cause) {
    throw new SteadError('MALFORMED_FRAME', 'frame is not valid CBOR', { cause });
  }
  if (!Array.isArray(raw) || raw.length === 0) throw malformed('frame is not a non-empty array');
  return toFrame(raw);
}

function toFrame(raw: unknown[]): Frame {
  const kind = raw[0];
  switch (kind) {
    case Kind.hello:
      expectLength(raw, 4);
      return { kind, version: version(raw[1]), acked: seqOf(raw[2]), agent: text(raw[3], 256) };
    case Kind.call:
      expectLength(raw, 6);
      return callFrame(nonce(raw[1]), seqOf(raw[2]), seqOf(raw[3]), text(raw[4], 128), args(raw[5]));
    case Kind.reply:
      expectLength(raw, 4);
      return { kind, ref: nonce(raw[1]), seq: seqOf(raw[2]), value: plain(raw[3]) };
    case Kind.notify:
      expectLength(raw, 4);
      return { kind, seq: seqOf(raw[1]), payload: plain(raw[2]), dropped: seqOf(raw[3]) };
    case Kind.ack:
      expectLength(raw, 2);
      return { kind, seq: seqOf(raw[1]) };
    case Kind.begin:
      expectLength(raw, 4);
      return { kind, version: version(raw[1]), token: nonce(raw[2]), info: plain(raw[3]) };
    case Kind.end:
      expectLength(raw, 3);
      return { kind, nonce: nonce(raw[1]), seq: seqOf(raw[2]) };
    case Kind.error:
      expectLength(raw, 6);
      return {
        kind,
        ref: raw[1] === null ? null : nonce(raw[1]),
        seq: seqOf(raw[2]),
        code: text(raw[3], 128),
        message: text(raw[4], 4096),
        data: plain(raw[5]),
      };
    default:
      throw malformed(`unknown frame kind ${String(kind)}`);
  }
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

function callFrame(nonceBytes: Uint8Array, seq: number, answered: number, method: string, callArgs: unknown[]): CallFrame {
  if (seq < 1 || answered >= seq) throw malformed('call seq must be ≥ 1 and above answered');
  return { kind: Kind.call, nonce: nonceBytes, seq, answered, method, args: callArgs };
}

function malformed(message: string): SteadError {
  return new SteadError('MALFORMED_FRAME', message);
}

function expectLength(raw: unknown[], length: number): void {
  if (raw.length !== length) throw malformed(`frame kind ${String(raw[0])} needs ${length} elements, got ${raw.length}`);
}

function version(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw malformed('version is not a positive integer');
  if (value !== PROTOCOL_VERSION) {
    throw new SteadError('UNSUPPORTED_VERSION', `protocol version ${String(value)} is not ${PROTOCOL_VERSION}`, {
      data: { supported: [PROTOCOL_VERSION] },
    });
  }
  return value;
}

function seqOf(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEQ) {
    throw malformed('sequence number is not a non-negative integer');
  }
  return value;
}

function nonce(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== NONCE_BYTES) throw malformed(`nonce is not ${NONCE_BYTES} bytes`);
  return value;
}

function text(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength) throw malformed('expected a string');
  return value;
}

function args(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw malformed('arguments are not an array');
  if (!isPlainData(value, LIMITS.maxValueDepth)) throw malformed('arguments are not plain data');
  return value;
}

function plain(value: unknown): unknown {
  if (!isPlainData(value, LIMITS.maxValueDepth)) throw malformed('value is not plain data');
  return value;
}
