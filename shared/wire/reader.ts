/**
 * Hand-written CBOR reader for frames as Stead writes them (writer.ts). Why not cbor-x: it
 * creates and attaches a DataView for every fresh payload and decodes generically, which cost
 * more than the rest of a small frame. This is a cursor over one payload; every read checks its
 * bounds, and anything it does not read exactly as cbor-x would (other spellings, non-ASCII
 * text, tags, floats other than float64, 64-bit integers, deep nesting, errors of any kind) makes
 * it answer "no" — -1, null or NO — so the caller can hand the payload to cbor-x instead.
 */
import { NONCE_BYTES } from './frames.js';

/** The answer for a value this reader leaves to cbor-x. */
export const NO: unique symbol = Symbol('not read by hand');

/**
 * Nesting read by hand (counting the outermost value as 1). Below LIMITS.maxValueDepth, so what
 * this returns (plain data only, by construction) needs no isPlainData check.
 */
const MAX_DEPTH = 16;

const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let pos = 0;
let end = 0;
/** Big-endian float64 bytes are copied here to be read without a DataView on the payload. */
const float = new DataView(new ArrayBuffer(8));

export function open(bytes: Uint8Array): void {
  src = bytes;
  pos = 0;
  end = bytes.length;
}

/** Lets go of the payload, so that it (and the socket chunk it may be a view of) can be freed. */
export function close(): void {
  src = EMPTY;
  pos = end = 0;
}

export function position(): number {
  return pos;
}

/** True when the payload ends exactly here. */
export function atEnd(): boolean {
  return pos === end;
}

/** The next byte without reading it, or -1 at the end. */
export function peek(): number {
  return pos < end ? (src[pos] as number) : -1;
}

/** One byte, or -1 at the end. */
export function byte(): number {
  return pos < end ? (src[pos++] as number) : -1;
}

/** An unsigned integer of at most 32 bits, or -1. */
export function uint(): number {
  const initial = byte();
  return initial < 0x20 ? argument(initial) : -1;
}

/** An 8-byte string (nonce, token) as a fresh Uint8Array that does not keep the payload alive. */
export function nonce(): Uint8Array | null {
  if (pos + 1 + NONCE_BYTES > end || src[pos] !== 0x40 + NONCE_BYTES) return null;
  const copy = new Uint8Array(NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i++) copy[i] = src[pos + 1 + i] as number;
  pos += 1 + NONCE_BYTES;
  return copy;
}

/** An ASCII text string of at most `maxLength` characters, or null. */
export function ascii(maxLength: number): string | null {
  const initial = byte();
  if (initial >>> 5 !== 3) return null;
  const length = argument(initial);
  return length <= maxLength ? asciiOf(length) : null;
}

/** Any plain value, as cbor-x (mapsAsObjects, copyBuffers) would decode it, or NO. */
export function value(depth: number = MAX_DEPTH): unknown {
  const initial = byte();
  const major = initial >>> 5;
  if (major === 7) return simple(initial);
  const n = argument(initial);
  if (n < 0) return NO;
  switch (major) {
    case 0:
      return n;
    case 1:
      return -1 - n;
    case 2:
      if (n > end - pos) return NO;
      pos += n;
      // What cbor-x's copyBuffers does: a copy of the payload's class (a Buffer from MQTT).
      return Uint8Array.prototype.slice.call(src, pos - n, pos);
    case 3:
      return asciiOf(n) ?? NO;
    case 4:
      return depth > 1 ? array(n, depth - 1) : NO;
    case 5:
      return depth > 1 ? object(n, depth - 1) : NO;
    default:
      return NO; // tags
  }
}

function array(length: number, depth: number): unknown {
  if (length > end - pos) return NO;
  const items = new Array<unknown>(length);
  for (let i = 0; i < length; i++) if ((items[i] = value(depth)) === NO) return NO;
  return items;
}

function object(count: number, depth: number): unknown {
  const result: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = ascii(Infinity);
    // cbor-x renames this key (a guard against prototype pollution); so does its path.
    if (key === null || key === '__proto__') return NO;
    const item = value(depth);
    if (item === NO) return NO;
    result[key] = item;
  }
  return result;
}

/** false, true, null, undefined and float64; half and single floats are cbor-x's. */
function simple(initial: number): unknown {
  switch (initial) {
    case 0xf4:
      return false;
    case 0xf5:
      return true;
    case 0xf6:
      return null;
    case 0xf7:
      return undefined;
    case 0xfb:
      if (pos + 8 > end) return NO;
      for (let i = 0; i < 8; i++) float.setUint8(i, src[pos++] as number);
      return float.getFloat64(0);
    default:
      return NO;
  }
}

/** The argument of an initial byte read just before: at most 32 bits, or -1. */
function argument(initial: number): number {
  const info = initial & 0x1f;
  if (info < 0x18) return info;
  const size = info === 0x18 ? 1 : info === 0x19 ? 2 : info === 0x1a ? 4 : 0;
  if (size === 0 || pos + size > end) return -1;
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + (src[pos++] as number);
  return n;
}

/** `length` bytes of ASCII as a string, or null (non-ASCII, or past the end). */
function asciiOf(length: number): string | null {
  const stop = pos + length;
  if (length < 0 || stop > end) return null;
  if (length === 0) return '';
  const slot = length <= MAX_CACHED ? (length * 31 + (src[pos] as number) * 7 + (src[stop - 1] as number)) & 0xff : -1;
  const seen = slot < 0 ? undefined : recent[slot];
  if (seen !== undefined && sameText(seen, length)) {
    pos = stop;
    return seen;
  }
  for (let i = pos; i < stop; i++) if ((src[i] as number) >= 0x80) return null;
  let text = '';
  if (length > 8 && Buffer.isBuffer(src)) text = src.toString('latin1', pos, stop);
  else for (let i = pos; i < stop; i++) text += String.fromCharCode(src[i] as number);
  if (slot >= 0) recent[slot] = text;
  pos = stop;
  return text;
}

/**
 * Short strings repeat from frame to frame: map keys, method names, error codes, agents. One
 * seen before is returned again instead of being built, and as a map key it is then already
 * interned. Direct-mapped on length and the first and last bytes, so its size is fixed.
 */
const MAX_CACHED = 32;
const recent: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

function sameText(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== src[pos + i]) return false;
  return true;
}
