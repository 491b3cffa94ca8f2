/**
 * The general decoding path: cbor-x decodes the whole payload, then every field is checked.
 * It accepts any valid CBOR spelling of a frame and names every error; frame-reader.ts handles
 * the spellings Stead writes faster and hands everything else here.
 */
import { SteadError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { decoder } from './cbor.js';
import { isPlainData } from './plain-data.js';
import { Kind, MAX_ERROR_MESSAGE_CHARS, NONCE_BYTES, PROTOCOL_VERSION, Verb, type CallFrame, type Frame, type ResourceOptions, type VerbCode } from './frames.js';

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export function checkFrame(bytes: Uint8Array): Frame {
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
      expectLength(raw, 6);
      return {
        kind,
        version: version(raw[1]),
        acked: seqOf(raw[2]),
        agent: text(raw[3], 256),
        nonce: nonceOrNull(raw[4]),
        epoch: nonceOrNull(raw[5]),
      };
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
      expectLength(raw, 3);
      return { kind, nonce: nonce(raw[1]), seq: seqOf(raw[2]) };
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
        ref: nonceOrNull(raw[1]),
        seq: seqOf(raw[2]),
        code: text(raw[3], 128),
        message: text(raw[4], MAX_ERROR_MESSAGE_CHARS),
        data: plain(raw[5]),
      };
    case Kind.resource:
      expectLength(raw, 7);
      return {
        kind,
        ref: nonce(raw[1]),
        verb: verbOf(raw[2]),
        session: textOrNull(raw[3], 64),
        key: textOrNull(raw[4], 128),
        value: plain(raw[5]),
        options: resourceOptions(raw[6]),
      };
    case Kind.blob: {
      // The marker is a fourth element, absent where there is none (the older spelling).
      if (raw.length !== 4) expectLength(raw, 3);
      const marker = raw.length === 4 ? bytesOrNull(raw[3]) : null;
      return marker ? { kind, ref: nonceOrNull(raw[1]), blob: bytesOrNull(raw[2]), marker } : { kind, ref: nonceOrNull(raw[1]), blob: bytesOrNull(raw[2]) };
    }
    default:
      throw malformed(`unknown frame kind ${String(kind)}`);
  }
}

function callFrame(nonceBytes: Uint8Array, seq: number, answered: number, method: string, callArgs: unknown[]): CallFrame {
  if (seq < 1 || answered >= seq) throw malformed('call seq must be ≥ 1 and above answered');
  return { kind: Kind.call, nonce: nonceBytes, seq, answered, method, args: callArgs };
}

export function malformed(message: string): SteadError {
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

export function nonce(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== NONCE_BYTES) throw malformed(`nonce is not ${NONCE_BYTES} bytes`);
  return value;
}

function nonceOrNull(value: unknown): Uint8Array | null {
  return value === null ? null : nonce(value);
}

function bytesOrNull(value: unknown): Uint8Array | null {
  if (value === null) return null;
  if (!(value instanceof Uint8Array)) throw malformed('expected a byte string or null');
  return value;
}

function text(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength) throw malformed('expected a string');
  return value;
}

function textOrNull(value: unknown, maxLength: number): string | null {
  return value === null ? null : text(value, maxLength);
}

const VERBS: ReadonlySet<unknown> = new Set(Object.values(Verb));

function verbOf(value: unknown): VerbCode {
  if (!VERBS.has(value)) throw malformed(`unknown resource verb ${String(value)}`);
  return value as VerbCode;
}

/** `null` or a plain object of the known options, each of its type. */
function resourceOptions(value: unknown): ResourceOptions | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || !isPlainData(value, 1)) {
    throw malformed('resource options are not a map');
  }
  const options: ResourceOptions = {};
  for (const [name, item] of Object.entries(value)) {
    if (name === 'ttl' && typeof item === 'number') options.ttl = item;
    else if (name === 'once' && typeof item === 'boolean') options.once = item;
    else if (name === 'after' && typeof item === 'string' && item.length <= 64) options.after = item;
    else if (name === 'again' && typeof item === 'boolean') options.again = item;
    else throw malformed(`unknown or mistyped resource option ${JSON.stringify(name)}`);
  }
  return options;
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
