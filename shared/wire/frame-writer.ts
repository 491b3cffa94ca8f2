/**
 * Hand-written encoder for the frame envelope (DESIGN §5): the array header, kind, nonces, seqs,
 * and the text fields. Why not cbor-x for all of it: a profile put most of a call frame's encode
 * time in cbor-x's per-call setup and its generic object path (an instanceof loop to find the
 * nonce's class, then a tag lookup), for a handful of fixed bytes. Only the app value (args,
 * reply value, payload, info, data) still goes through cbor-x, and its bytes are spliced in.
 *
 * The bytes must stay exactly what cbor-x writes for the same array (the codec tests pin them),
 * so each writer below mirrors the cbor-x 1.6 rule it replaces. A field of a type the envelope
 * does not expect (a frame built by untyped code) makes the writer decline; the caller then
 * encodes the whole frame with cbor-x, as before.
 */
import { encoder } from './cbor.js';

/** Envelope bytes are written here first, then copied out with the app value. */
let head = Buffer.allocUnsafeSlow(1024);
let headView = new DataView(head.buffer, head.byteOffset, head.length);
let at = 0;

/** Starts an envelope: the array header of `length` items (always < 24) and the kind. */
export function start(length: number, kind: number): void {
  at = 0;
  head[at++] = 0x80 | length;
  head[at++] = kind;
}

/** Appends a number the way cbor-x encodes one; false if it is not a number. */
export function number(value: unknown): boolean {
  if (typeof value !== 'number') return false;
  room(9);
  if (value >>> 0 === value) {
    if (value < 0x18) head[at++] = value;
    else if (value < 0x100) (head[at++] = 0x18), (head[at++] = value);
    else if (value < 0x10000) (head[at++] = 0x19), headView.setUint16(at, value), (at += 2);
    else (head[at++] = 0x1a), headView.setUint32(at, value), (at += 4);
  } else if (value >> 0 === value) {
    if (value >= -0x18) head[at++] = 0x1f - value;
    else if (value >= -0x100) (head[at++] = 0x38), (head[at++] = ~value);
    else if (value >= -0x10000) (head[at++] = 0x39), headView.setUint16(at, ~value), (at += 2);
    else (head[at++] = 0x3a), headView.setUint32(at, ~value), (at += 4);
  } else if (value < 0 && value >= -0x100000000 && Math.floor(value) === value) {
    (head[at++] = 0x3a), headView.setUint32(at, -1 - value), (at += 4);
  } else {
    // Beyond 32 bits (or not an integer) cbor-x writes a float64, never a 64-bit integer.
    (head[at++] = 0xfb), headView.setFloat64(at, value), (at += 8);
  }
  return true;
}

/** Appends a byte string (untagged, as cbor-x writes any Uint8Array); false if not bytes. */
export function bytes(value: unknown): boolean {
  if (!(value instanceof Uint8Array)) return false;
  const length = value.length;
  room(length + 5);
  lengthHeader(0x40, length);
  for (let i = 0; i < length; i++) head[at++] = value[i] as number;
  return true;
}

/** Appends a nonce or null (the ref of an error frame that answers nothing). */
export function bytesOrNull(value: unknown): boolean {
  if (value !== null) return bytes(value);
  room(1);
  head[at++] = 0xf6;
  return true;
}

/**
 * Appends a text string as cbor-x does: its own UTF-8 loop below 64 characters (which writes a
 * lone surrogate as three bytes), Buffer's UTF-8 above; the header is the shortest form that
 * holds the byte length. False if not a string.
 */
export function text(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const chars = value.length;
  room(chars * 3 + 5);
  const start = at + 5; // written after room for the longest header, then moved behind it
  let end = start;
  if (chars < 0x40) {
    for (let i = 0; i < chars; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) {
        head[end++] = c;
      } else if (c < 0x800) {
        head[end++] = (c >> 6) | 0xc0;
        head[end++] = (c & 0x3f) | 0x80;
      } else if ((c & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x03ff) << 10) + (value.charCodeAt(++i) & 0x03ff);
        head[end++] = (c >> 18) | 0xf0;
        head[end++] = ((c >> 12) & 0x3f) | 0x80;
        head[end++] = ((c >> 6) & 0x3f) | 0x80;
        head[end++] = (c & 0x3f) | 0x80;
      } else {
        head[end++] = (c >> 12) | 0xe0;
        head[end++] = ((c >> 6) & 0x3f) | 0x80;
        head[end++] = (c & 0x3f) | 0x80;
      }
    }
  } else {
    end += head.write(value, start, 'utf8');
  }
  const length = end - start;
  lengthHeader(0x60, length);
  if (at !== start) head.copyWithin(at, start, end);
  at += length;
  return true;
}

/** Where the app value goes: everything written after this mark follows the value. */
export function mark(): number {
  return at;
}

/**
 * The finished frame: the envelope up to `valueAt`, then `value` encoded by cbor-x (omitted when
 * `valueAt` is -1), then the rest of the envelope. Throws what cbor-x throws for a value it
 * cannot encode.
 */
export function finish(valueAt: number, value?: unknown): Buffer {
  if (valueAt < 0) return copyOut(head, 0, at, Buffer.allocUnsafe(at), 0);
  const valueBytes = encoder.encode(value);
  const out = Buffer.allocUnsafe(at + valueBytes.length);
  copyOut(head, 0, valueAt, out, 0);
  copyOut(valueBytes, 0, valueBytes.length, out, valueAt);
  return copyOut(head, valueAt, at, out, valueAt + valueBytes.length);
}

function lengthHeader(major: number, length: number): void {
  if (length < 0x18) head[at++] = major | length;
  else if (length < 0x100) (head[at++] = major | 0x18), (head[at++] = length);
  else if (length < 0x10000) (head[at++] = major | 0x19), headView.setUint16(at, length), (at += 2);
  else (head[at++] = major | 0x1a), headView.setUint32(at, length), (at += 4);
}

function room(bytesNeeded: number): void {
  if (at + bytesNeeded <= head.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(head.length * 2, at + bytesNeeded));
  head.copy(bigger, 0, 0, at);
  head = bigger;
  headView = new DataView(head.buffer, head.byteOffset, head.length);
}

/** Copies `from[start, end)` to `to` at `offset`; a loop beats a native call for a few bytes. */
function copyOut(from: Uint8Array, start: number, end: number, to: Buffer, offset: number): Buffer {
  if (end - start > 64) {
    to.set(from.subarray(start, end), offset);
    return to;
  }
  for (let i = start; i < end; i++) to[offset++] = from[i] as number;
  return to;
}
