/**
 * Hand-written CBOR writer for frames (DESIGN §5). Why not cbor-x: a profile put most of a small
 * frame's encode time in cbor-x's per-call setup, the subarray it returns, and its generic object
 * path (an instanceof loop and a tag lookup to write an 8-byte nonce). Frames are small and their
 * values mostly plain, so this writes them straight into one reused buffer.
 *
 * The bytes must be exactly what cbor-x 1.6 writes for the same array (the codec tests pin them
 * and compare the two on random values), so each writer mirrors the cbor-x rule it replaces.
 * Anything else — a bigint, a Map, a Date, a class instance, deep nesting — is not written here:
 * `value` hands it to cbor-x and copies its bytes in, and the envelope writers return false for
 * a field of the wrong type so that the caller encodes the whole frame with cbor-x.
 */
import { encoder } from './cbor.js';

let out = Buffer.allocUnsafeSlow(1024);
let view = new DataView(out.buffer, out.byteOffset, out.length);
let at = 0;

/** Nesting written by hand; deeper values (rare) are cbor-x's. */
const MAX_DEPTH = 16;

/** Starts a frame: the array header of `length` items (always < 24) and the kind. */
export function start(length: number, kind: number): void {
  at = 0;
  out[at++] = 0x80 | length;
  out[at++] = kind;
}

/** The frame written since `start`, as a Buffer of its own. */
export function done(): Buffer {
  const frame = Buffer.allocUnsafe(at);
  if (at > 64) frame.set(out.subarray(0, at));
  else for (let i = 0; i < at; i++) frame[i] = out[i] as number;
  return frame;
}

/** Appends a number the way cbor-x encodes one; false if it is not a number. */
export function number(value: unknown): boolean {
  if (typeof value !== 'number') return false;
  room(9);
  if (value >>> 0 === value) {
    head(0x00, value);
  } else if (value >> 0 === value) {
    head(0x20, -1 - value);
  } else if (value < 0 && value >= -0x100000000 && Math.floor(value) === value) {
    out[at++] = 0x3a;
    view.setUint32(at, -1 - value);
    at += 4;
  } else {
    // Beyond 32 bits (or not an integer) cbor-x writes a float64, never a 64-bit integer.
    out[at++] = 0xfb;
    view.setFloat64(at, value);
    at += 8;
  }
  return true;
}

/** Appends a byte string (untagged, as cbor-x writes any Uint8Array); false if not bytes. */
export function bytes(value: unknown): boolean {
  if (!(value instanceof Uint8Array)) return false;
  const length = value.length;
  room(length + 5);
  head(0x40, length);
  if (length > 64) out.set(value, at);
  else for (let i = 0; i < length; i++) out[at + i] = value[i] as number;
  at += length;
  return true;
}

/** Appends a nonce, or null (the ref of an error frame that answers nothing). */
export function bytesOrNull(value: unknown): boolean {
  if (value !== null) return bytes(value);
  room(1);
  out[at++] = 0xf6;
  return true;
}

/**
 * Appends a text string as cbor-x does: its own UTF-8 loop below 64 characters (which writes a
 * lone surrogate as three bytes), Buffer's UTF-8 above; then the shortest header for the byte
 * length. False if not a string.
 */
export function text(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const chars = value.length;
  room(chars * 3 + 5);
  // Written after room for the header its length in characters suggests, moved if UTF-8 needs more.
  const from = at + (chars < 0x18 ? 1 : chars < 0x100 ? 2 : chars < 0x10000 ? 3 : 5);
  let end = from;
  if (chars >= 0x40) {
    end += out.write(value, from, 'utf8');
  } else {
    for (let i = 0; i < chars; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) {
        out[end++] = c;
      } else if (c < 0x800) {
        out[end++] = (c >> 6) | 0xc0;
        out[end++] = (c & 0x3f) | 0x80;
      } else if ((c & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x03ff) << 10) + (value.charCodeAt(++i) & 0x03ff);
        out[end++] = (c >> 18) | 0xf0;
        out[end++] = ((c >> 12) & 0x3f) | 0x80;
        out[end++] = ((c >> 6) & 0x3f) | 0x80;
        out[end++] = (c & 0x3f) | 0x80;
      } else {
        out[end++] = (c >> 12) | 0xe0;
        out[end++] = ((c >> 6) & 0x3f) | 0x80;
        out[end++] = (c & 0x3f) | 0x80;
      }
    }
  }
  const length = end - from;
  const headSize = length < 0x18 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
  if (at + headSize !== from) out.copyWithin(at + headSize, from, end);
  head(0x60, length);
  at += length;
  return true;
}

/** Set while `single` writes: app getters run during it, and must not start another write. */
let writing = false;
/** The most bytes `single` may write; past it, it stops (a sparse array is not walked to its end). */
let limit = Infinity;

/** Thrown by `single` when a value would take more than its byte limit. */
export class ValueTooLarge extends Error {
  override readonly name = 'ValueTooLarge';
}

/**
 * One value on its own (state snapshots, proxy records): exactly the bytes cbor-x writes. A value
 * with getters runs app code while it is written; a write started from there would overwrite the
 * shared buffer, so it is refused.
 */
export function single(item: unknown, maxBytes = Infinity): Buffer {
  if (writing) throw new Error('a value was encoded from inside the encoding of another (a getter that encodes)');
  writing = true;
  limit = maxBytes;
  try {
    at = 0;
    value(item);
    return done();
  } finally {
    writing = false;
    limit = Infinity;
  }
}

/** Appends an app value; throws what cbor-x throws for a value it cannot encode. */
export function value(item: unknown): void {
  const from = at;
  if (plain(item, MAX_DEPTH)) return;
  at = from;
  const encoded = encoder.encode(item);
  room(encoded.length);
  out.set(encoded, at);
  at += encoded.length;
}

/** Writes what cbor-x writes for null, undefined, booleans, numbers, strings, bytes, arrays and
 * Object-constructed objects; false for anything else (partly written: the caller rewinds). */
function plain(item: unknown, depth: number): boolean {
  switch (typeof item) {
    case 'string':
      return text(item);
    case 'number':
      return number(item);
    case 'boolean':
      room(1);
      out[at++] = item ? 0xf5 : 0xf4;
      return true;
    case 'undefined':
      room(1);
      out[at++] = 0xf7;
      return true;
    case 'object':
      if (item === null) return bytesOrNull(null);
      if (depth === 0) return false;
      if (item.constructor === Object) return object(item as Record<string, unknown>, depth - 1);
      if (item.constructor === Array) return array(item as unknown[], depth - 1);
      return bytes(item);
    default:
      return false;
  }
}

function array(items: unknown[], depth: number): boolean {
  const length = items.length;
  // Each item takes a byte at least: refuse at once what cannot fit (a sparse array of 2^32 holes).
  if (length > limit - at) throw new ValueTooLarge(`an array of ${length} items exceeds ${limit} bytes`);
  room(5);
  head(0x80, length);
  for (let i = 0; i < length; i++) if (!plain(items[i], depth)) return false;
  return true;
}

/** cbor-x always writes a map16 header (b9) and fills in the count afterwards. */
function object(item: Record<string, unknown>, depth: number): boolean {
  room(3);
  out[at++] = 0xb9;
  const countAt = at;
  at += 2;
  let count = 0;
  for (const key in item) {
    // cbor-x's own-property test, word for word: an object may bring its own hasOwnProperty.
    const hasOwn: unknown = item.hasOwnProperty;
    if (typeof hasOwn === 'function' && !hasOwn.call(item, key)) continue;
    if (!text(key) || !plain(item[key], depth)) return false;
    count++;
  }
  if (count >= 0x10000) return false;
  view.setUint16(countAt, count);
  return true;
}

/** A CBOR head: major type and the shortest form of its argument (a uint32). */
function head(major: number, argument: number): void {
  if (argument < 0x18) {
    out[at++] = major | argument;
  } else if (argument < 0x100) {
    out[at++] = major | 0x18;
    out[at++] = argument;
  } else if (argument < 0x10000) {
    out[at++] = major | 0x19;
    view.setUint16(at, argument);
    at += 2;
  } else {
    out[at++] = major | 0x1a;
    view.setUint32(at, argument);
    at += 4;
  }
}

function room(bytesNeeded: number): void {
  if (at + bytesNeeded <= out.length) return;
  if (at + bytesNeeded > limit) throw new ValueTooLarge(`value exceeds ${limit} bytes`);
  const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + bytesNeeded));
  out.copy(bigger, 0, 0, at);
  out = bigger;
  view = new DataView(out.buffer, out.byteOffset, out.length);
}
