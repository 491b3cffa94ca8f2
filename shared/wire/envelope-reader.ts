/**
 * Hand-written reader for the frame envelope fields, in the spellings Stead's own writer uses
 * (frame-writer.ts). Why not cbor-x for all of it: cbor-x creates a DataView for every fresh
 * payload and decodes generically, which cost more than the rest of a small frame. The reader
 * is a cursor over one payload; each read checks its bounds and returns a "no" value (-1 or
 * null) for anything it does not recognise, so the frame reader can hand the payload to the
 * general decoder, which accepts every valid spelling and names every error.
 */
import { NONCE_BYTES } from './frames.js';

let src: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;

export function open(bytes: Uint8Array): void {
  src = bytes;
  pos = 0;
  end = bytes.length;
}

export function position(): number {
  return pos;
}

/** The payload, for reading the app value after the envelope. */
export function source(): Uint8Array {
  return src;
}

/** True when the payload ends exactly here. */
export function atEnd(): boolean {
  return pos === end;
}

/** One byte, or -1 past the end. */
export function byte(): number {
  return pos < end ? (src[pos++] as number) : -1;
}

/** An unsigned integer of at most 32 bits in any of its CBOR forms, or -1. */
export function uint(): number {
  const head = byte();
  if (head < 0x18) return head; // includes -1 past the end
  const size = head === 0x18 ? 1 : head === 0x19 ? 2 : head === 0x1a ? 4 : 0;
  if (size === 0 || pos + size > end) return -1;
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + (src[pos++] as number);
  return value;
}

/** An 8-byte string (nonce, token) as a fresh Uint8Array that does not keep the payload alive. */
export function nonce(): Uint8Array | null {
  if (pos + 1 + NONCE_BYTES > end || src[pos] !== 0x40 + NONCE_BYTES) return null;
  const copy = new Uint8Array(NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i++) copy[i] = src[pos + 1 + i] as number;
  pos += 1 + NONCE_BYTES;
  return copy;
}

/**
 * A text string of at most `maxLength` characters, or null. Only ASCII: other text goes to the
 * general decoder, so that invalid UTF-8 decodes the one way cbor-x decodes it.
 */
export function ascii(maxLength: number): string | null {
  const head = byte();
  let length: number;
  if (head >= 0x60 && head < 0x78) length = head - 0x60;
  else if (head === 0x78 && pos < end) length = src[pos++] as number;
  else if (head === 0x79 && pos + 1 < end) length = ((src[pos++] as number) << 8) | (src[pos++] as number);
  else return null;
  const stop = pos + length;
  if (length > maxLength || stop > end) return null;
  for (let i = pos; i < stop; i++) if ((src[i] as number) >= 0x80) return null;
  const value = length <= 8 || !Buffer.isBuffer(src) ? charsOf(pos, stop) : src.toString('latin1', pos, stop);
  pos = stop;
  return value;
}

/** Building a short string char by char beats a native call; so does it for a plain Uint8Array. */
function charsOf(start: number, stop: number): string {
  let value = '';
  for (let i = start; i < stop; i++) value += String.fromCharCode(src[i] as number);
  return value;
}
