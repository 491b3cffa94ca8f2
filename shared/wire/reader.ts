/**
 * Hand-written CBOR reader for frames as Stead writes them (writer.ts). Why not cbor-x: it
 * creates and attaches a DataView for every fresh payload and decodes generically, which cost
 * more than the rest of a small frame. A reader is a cursor over one payload; every read checks
 * its bounds, and anything it does not read exactly as cbor-x would (other spellings, non-ASCII
 * text, tags, floats other than float64, 64-bit integers, deep nesting, errors of any kind) makes
 * it answer "no" — -1, null or NO — so the caller can hand the payload to cbor-x instead.
 *
 * Each read of a payload has a reader of its own (`takeReader`, `releaseReader`, as in
 * writer.ts), so a read started while another is under way cannot move the other's cursor.
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

/** A cursor over one payload, from `open` to `close`. */
export class CborReader {
  #src: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  /** Big-endian float64 bytes are copied here to be read without a DataView on the payload. */
  readonly #float = new DataView(new ArrayBuffer(8));

  open(bytes: Uint8Array): void {
    this.#src = bytes;
    this.#pos = 0;
    this.#end = bytes.length;
  }

  /** Lets go of the payload, so that it (and the socket chunk it may be a view of) can be freed. */
  close(): void {
    this.#src = EMPTY;
    this.#pos = this.#end = 0;
  }

  position(): number {
    return this.#pos;
  }

  /** True when the payload ends exactly here. */
  atEnd(): boolean {
    return this.#pos === this.#end;
  }

  /** The next byte without reading it, or -1 at the end. */
  peek(): number {
    return this.#pos < this.#end ? (this.#src[this.#pos] as number) : -1;
  }

  /** One byte, or -1 at the end. */
  byte(): number {
    return this.#pos < this.#end ? (this.#src[this.#pos++] as number) : -1;
  }

  /** An unsigned integer of at most 32 bits, or -1. */
  uint(): number {
    const initial = this.byte();
    return initial < 0x20 ? this.#argument(initial) : -1;
  }

  /** An 8-byte string (nonce, token) as a fresh Uint8Array that does not keep the payload alive. */
  nonce(): Uint8Array | null {
    const src = this.#src;
    const pos = this.#pos;
    if (pos + 1 + NONCE_BYTES > this.#end || src[pos] !== 0x40 + NONCE_BYTES) return null;
    const copy = new Uint8Array(NONCE_BYTES);
    for (let i = 0; i < NONCE_BYTES; i++) copy[i] = src[pos + 1 + i] as number;
    this.#pos = pos + 1 + NONCE_BYTES;
    return copy;
  }

  /** An ASCII text string of at most `maxLength` characters, or null. */
  ascii(maxLength: number): string | null {
    const initial = this.byte();
    if (initial >>> 5 !== 3) return null;
    const length = this.#argument(initial);
    return length <= maxLength ? this.#asciiOf(length) : null;
  }

  /** Any plain value, as cbor-x (mapsAsObjects, copyBuffers) would decode it, or NO. */
  value(depth: number = MAX_DEPTH): unknown {
    const initial = this.byte();
    const major = initial >>> 5;
    if (major === 7) return this.#simple(initial);
    const n = this.#argument(initial);
    if (n < 0) return NO;
    switch (major) {
      case 0:
        return n;
      case 1:
        return -1 - n;
      case 2: {
        const pos = this.#pos;
        if (n > this.#end - pos) return NO;
        this.#pos = pos + n;
        // What cbor-x's copyBuffers does: a copy of the payload's class (a Buffer from MQTT).
        return Uint8Array.prototype.slice.call(this.#src, pos, pos + n);
      }
      case 3:
        return this.#asciiOf(n) ?? NO;
      case 4:
        return depth > 1 ? this.#array(n, depth - 1) : NO;
      case 5:
        return depth > 1 ? this.#object(n, depth - 1) : NO;
      default:
        return NO; // tags
    }
  }

  #array(length: number, depth: number): unknown {
    if (length > this.#end - this.#pos) return NO;
    const items = new Array<unknown>(length);
    for (let i = 0; i < length; i++) if ((items[i] = this.value(depth)) === NO) return NO;
    return items;
  }

  #object(count: number, depth: number): unknown {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const key = this.ascii(Infinity);
      // cbor-x renames this key (a guard against prototype pollution); so does its path.
      if (key === null || key === '__proto__') return NO;
      const item = this.value(depth);
      if (item === NO) return NO;
      result[key] = item;
    }
    return result;
  }

  /** false, true, null, undefined and float64; half and single floats are cbor-x's. */
  #simple(initial: number): unknown {
    switch (initial) {
      case 0xf4:
        return false;
      case 0xf5:
        return true;
      case 0xf6:
        return null;
      case 0xf7:
        return undefined;
      case 0xfb: {
        const pos = this.#pos;
        if (pos + 8 > this.#end) return NO;
        const src = this.#src;
        const float = this.#float;
        for (let i = 0; i < 8; i++) float.setUint8(i, src[pos + i] as number);
        this.#pos = pos + 8;
        return float.getFloat64(0);
      }
      default:
        return NO;
    }
  }

  /** The argument of an initial byte read just before: at most 32 bits, or -1. */
  #argument(initial: number): number {
    const info = initial & 0x1f;
    if (info < 0x18) return info;
    const size = info === 0x18 ? 1 : info === 0x19 ? 2 : info === 0x1a ? 4 : 0;
    const pos = this.#pos;
    if (size === 0 || pos + size > this.#end) return -1;
    const src = this.#src;
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + (src[pos + i] as number);
    this.#pos = pos + size;
    return n;
  }

  /** `length` bytes of ASCII as a string, or null (non-ASCII, or past the end). */
  #asciiOf(length: number): string | null {
    const src = this.#src;
    const pos = this.#pos;
    const stop = pos + length;
    if (length < 0 || stop > this.#end) return null;
    if (length === 0) return '';
    const slot = length <= MAX_CACHED ? (length * 31 + (src[pos] as number) * 7 + (src[stop - 1] as number)) & 0xff : -1;
    const seen = slot < 0 ? undefined : recent[slot];
    if (seen !== undefined && sameText(seen, src, pos, length)) {
      this.#pos = stop;
      return seen;
    }
    for (let i = pos; i < stop; i++) if ((src[i] as number) >= 0x80) return null;
    let text = '';
    if (length > 8 && Buffer.isBuffer(src)) text = src.toString('latin1', pos, stop);
    else for (let i = pos; i < stop; i++) text += String.fromCharCode(src[i] as number);
    if (slot >= 0) recent[slot] = text;
    this.#pos = stop;
    return text;
  }
}

/**
 * Short strings repeat from frame to frame: map keys, method names, error codes, agents. One
 * seen before is returned again instead of being built, and as a map key it is then already
 * interned. Direct-mapped on length and the first and last bytes, so its size is fixed; shared by
 * all readers (an entry is only ever a whole string, checked byte by byte before it is used).
 */
const MAX_CACHED = 32;
const recent: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

function sameText(text: string, src: Uint8Array, pos: number, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== src[pos + i]) return false;
  return true;
}

/** Readers kept between reads; more are made only while reads nest. */
const MAX_IDLE = 4;
const idle: CborReader[] = [new CborReader()];

/** A reader no other read is using; hand it back with `releaseReader` once it is closed. */
export function takeReader(): CborReader {
  return idle.pop() ?? new CborReader();
}

export function releaseReader(reader: CborReader): void {
  if (idle.length < MAX_IDLE) idle.push(reader);
}
