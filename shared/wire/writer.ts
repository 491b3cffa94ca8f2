/**
 * Hand-written CBOR writer for frames (DESIGN §5). Why not cbor-x: a profile put most of a small
 * frame's encode time in cbor-x's per-call setup, the subarray it returns, and its generic object
 * path (an instanceof loop and a tag lookup to write an 8-byte nonce). Frames are small and their
 * values mostly plain, so this writes them straight into a reused buffer.
 *
 * The bytes must be exactly what cbor-x 1.6 writes for the same array (the codec tests pin them
 * and compare the two on random values), so each writer mirrors the cbor-x rule it replaces.
 * Anything else — a bigint, a Map, a Date, a class instance, deep nesting — is not written here:
 * `value` hands it to cbor-x and copies its bytes in, and the envelope writers return false for
 * a field of the wrong type so that the caller encodes the whole frame with cbor-x.
 *
 * A value with getters runs app code while it is written, and that code may encode too. So each
 * write has a writer of its own: `takeWriter` hands out an idle one (a new one while all are in
 * use) and `releaseWriter` keeps it for the next write. A write nested in another cannot touch
 * the outer one's buffer or cursor.
 */
import { encoder } from './cbor.js';

/** Nesting written by hand; deeper values (rare) are cbor-x's. */
const MAX_DEPTH = 16;
const INITIAL_BYTES = 1024;

/** Thrown by `single` when a value would take more than its byte limit. */
export class ValueTooLarge extends Error {
  override readonly name = 'ValueTooLarge';
}

/** One write at a time: a cursor over its own growing buffer. */
export class CborWriter {
  #out: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  #view: DataView = new DataView(this.#out.buffer, this.#out.byteOffset, this.#out.length);
  #at = 0;
  /** The most bytes `single` may write; past it, it stops (a sparse array is not walked to its end). */
  #limit = Infinity;

  /** Starts a frame: the array header of `length` items (always < 24) and the kind. */
  start(length: number, kind: number): void {
    const out = this.#out;
    this.#limit = Infinity;
    out[0] = 0x80 | length;
    out[1] = kind;
    this.#at = 2;
  }

  /** The frame written since `start`, as a Buffer of its own. */
  done(): Buffer {
    const at = this.#at;
    const out = this.#out;
    const frame = Buffer.allocUnsafe(at);
    if (at > 64) frame.set(out.subarray(0, at));
    else for (let i = 0; i < at; i++) frame[i] = out[i] as number;
    return frame;
  }

  /** One value on its own (state snapshots, proxy records): exactly the bytes cbor-x writes. */
  single(item: unknown, maxBytes: number): Buffer {
    this.#limit = maxBytes;
    this.#at = 0;
    this.value(item);
    return this.done();
  }

  /** Appends a number the way cbor-x encodes one; false if it is not a number. */
  number(value: unknown): boolean {
    if (typeof value !== 'number') return false;
    this.#room(9);
    if (value >>> 0 === value) {
      this.#head(0x00, value);
    } else if (value >> 0 === value) {
      this.#head(0x20, -1 - value);
    } else if (value < 0 && value >= -0x100000000 && Math.floor(value) === value) {
      const at = this.#at;
      this.#out[at] = 0x3a;
      this.#view.setUint32(at + 1, -1 - value);
      this.#at = at + 5;
    } else {
      // Beyond 32 bits (or not an integer) cbor-x writes a float64, never a 64-bit integer.
      const at = this.#at;
      this.#out[at] = 0xfb;
      this.#view.setFloat64(at + 1, value);
      this.#at = at + 9;
    }
    return true;
  }

  /** Appends a byte string (untagged, as cbor-x writes any Uint8Array); false if not bytes. */
  bytes(value: unknown): boolean {
    if (!(value instanceof Uint8Array)) return false;
    const length = value.length;
    this.#room(length + 5);
    this.#head(0x40, length);
    const out = this.#out;
    const at = this.#at;
    if (length > 64) out.set(value, at);
    else for (let i = 0; i < length; i++) out[at + i] = value[i] as number;
    this.#at = at + length;
    return true;
  }

  /** Appends a nonce, or null (the ref of an error frame that answers nothing). */
  bytesOrNull(value: unknown): boolean {
    if (value !== null) return this.bytes(value);
    this.#byte(0xf6);
    return true;
  }

  /**
   * Appends a text string as cbor-x does: its own UTF-8 loop below 64 characters (which writes a
   * lone surrogate as three bytes), Buffer's UTF-8 above; then the shortest header for the byte
   * length. False if not a string.
   */
  text(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const chars = value.length;
    this.#room(chars * 3 + 5);
    const out = this.#out;
    const at = this.#at;
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
    this.#head(0x60, length);
    this.#at += length;
    return true;
  }

  /** Appends an app value; throws what cbor-x throws for a value it cannot encode. */
  value(item: unknown): void {
    const from = this.#at;
    if (this.#plain(item, MAX_DEPTH)) return;
    this.#at = from;
    const encoded = encoder.encode(item);
    this.#room(encoded.length);
    this.#out.set(encoded, this.#at);
    this.#at += encoded.length;
  }

  /** Writes what cbor-x writes for null, undefined, booleans, numbers, strings, bytes, arrays and
   * Object-constructed objects; false for anything else (partly written: the caller rewinds). */
  #plain(item: unknown, depth: number): boolean {
    switch (typeof item) {
      case 'string':
        return this.text(item);
      case 'number':
        return this.number(item);
      case 'boolean':
        this.#byte(item ? 0xf5 : 0xf4);
        return true;
      case 'undefined':
        this.#byte(0xf7);
        return true;
      case 'object':
        if (item === null) return this.bytesOrNull(null);
        if (depth === 0) return false;
        if (item.constructor === Object) return this.#object(item as Record<string, unknown>, depth - 1);
        if (item.constructor === Array) return this.#array(item as unknown[], depth - 1);
        return this.bytes(item);
      default:
        return false;
    }
  }

  #array(items: unknown[], depth: number): boolean {
    const length = items.length;
    // Each item takes a byte at least: refuse at once what cannot fit (a sparse array of 2^32 holes).
    if (length > this.#limit - this.#at) throw new ValueTooLarge(`an array of ${length} items exceeds ${this.#limit} bytes`);
    this.#room(5);
    this.#head(0x80, length);
    for (let i = 0; i < length; i++) if (!this.#plain(items[i], depth)) return false;
    return true;
  }

  /** cbor-x always writes a map16 header (b9) and fills in the count afterwards. */
  #object(item: Record<string, unknown>, depth: number): boolean {
    this.#room(3);
    this.#out[this.#at] = 0xb9;
    const countAt = this.#at + 1;
    this.#at += 3;
    let count = 0;
    for (const key in item) {
      // cbor-x's own-property test, word for word: an object may bring its own hasOwnProperty.
      const hasOwn: unknown = item.hasOwnProperty;
      if (typeof hasOwn === 'function' && !hasOwn.call(item, key)) continue;
      if (!this.text(key) || !this.#plain(item[key], depth)) return false;
      count++;
    }
    if (count >= 0x10000) return false;
    // The buffer may have grown since the header: write the count into the current one.
    this.#view.setUint16(countAt, count);
    return true;
  }

  #byte(value: number): void {
    this.#room(1);
    this.#out[this.#at++] = value;
  }

  /** A CBOR head: major type and the shortest form of its argument (a uint32). */
  #head(major: number, argument: number): void {
    const out = this.#out;
    const at = this.#at;
    if (argument < 0x18) {
      out[at] = major | argument;
      this.#at = at + 1;
    } else if (argument < 0x100) {
      out[at] = major | 0x18;
      out[at + 1] = argument;
      this.#at = at + 2;
    } else if (argument < 0x10000) {
      out[at] = major | 0x19;
      this.#view.setUint16(at + 1, argument);
      this.#at = at + 3;
    } else {
      out[at] = major | 0x1a;
      this.#view.setUint32(at + 1, argument);
      this.#at = at + 5;
    }
  }

  #room(bytesNeeded: number): void {
    const at = this.#at;
    if (at + bytesNeeded <= this.#out.length) return;
    if (at + bytesNeeded > this.#limit) throw new ValueTooLarge(`value exceeds ${this.#limit} bytes`);
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.#out.length * 2, at + bytesNeeded));
    this.#out.copy(bigger, 0, 0, at);
    this.#out = bigger;
    this.#view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
}

/** Writers kept between writes; more are made only while writes nest (app getters that encode). */
const MAX_IDLE = 4;
const idle: CborWriter[] = [new CborWriter()];

/** A writer no other write is using; hand it back with `releaseWriter` when the write is done. */
export function takeWriter(): CborWriter {
  return idle.pop() ?? new CborWriter();
}

export function releaseWriter(writer: CborWriter): void {
  if (idle.length < MAX_IDLE) idle.push(writer);
}

/** One value on its own, as cbor-x writes it (state snapshots, proxy records). */
export function single(item: unknown, maxBytes = Infinity): Buffer {
  const writer = takeWriter();
  try {
    return writer.single(item, maxBytes);
  } finally {
    releaseWriter(writer);
  }
}
