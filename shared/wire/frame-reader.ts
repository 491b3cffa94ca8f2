/**
 * The fast decoding path: frames as Stead writes them, read field by field (envelope-reader.ts)
 * with only the app value decoded by cbor-x (see cbor.ts for why through a scratch buffer).
 * It returns exactly the frame the general decoder (frame-check.ts) would, or null when the
 * payload is anything else — another valid spelling, or an invalid frame — and the general
 * decoder then accepts it or names the error. So this file never throws and never refuses.
 */
import { LIMITS } from '../limits.js';
import { decodeSlice } from './cbor.js';
import { ascii, atEnd, byte, nonce, open, position, source, uint } from './envelope-reader.js';
import { Kind, PROTOCOL_VERSION, type Frame } from './frames.js';
import { isPlainData } from './plain-data.js';

/** Marks an app value cbor-x refused, or one that is not plain data. */
const NOT_PLAIN: unique symbol = Symbol('not plain data');

export function readFrame(bytes: Uint8Array): Frame | null {
  open(bytes);
  const head = byte();
  const kind = byte();
  switch (kind) {
    case Kind.hello: {
      if (head !== 0x84 || byte() !== PROTOCOL_VERSION) return null;
      const acked = uint();
      const agent = ascii(256);
      if (acked < 0 || agent === null || !atEnd()) return null;
      return { kind, version: PROTOCOL_VERSION, acked, agent };
    }
    case Kind.call: {
      if (head !== 0x86) return null;
      const ref = nonce();
      const seq = uint();
      const answered = uint();
      const method = ascii(128);
      if (ref === null || seq < 1 || answered < 0 || answered >= seq || method === null) return null;
      const args = lastValue();
      if (!Array.isArray(args)) return null;
      return { kind, nonce: ref, seq, answered, method, args };
    }
    case Kind.reply: {
      if (head !== 0x84) return null;
      const ref = nonce();
      const seq = uint();
      if (ref === null || seq < 0) return null;
      const value = lastValue();
      return value === NOT_PLAIN ? null : { kind, ref, seq, value };
    }
    case Kind.notify:
      return head === 0x84 ? notify() : null;
    case Kind.ack: {
      const seq = uint();
      return head === 0x82 && seq >= 0 && atEnd() ? { kind, seq } : null;
    }
    case Kind.begin: {
      if (head !== 0x84 || byte() !== PROTOCOL_VERSION) return null;
      const token = nonce();
      if (token === null) return null;
      const info = lastValue();
      return info === NOT_PLAIN ? null : { kind, version: PROTOCOL_VERSION, token, info };
    }
    case Kind.end: {
      const ref = nonce();
      const seq = uint();
      return head === 0x83 && ref !== null && seq >= 0 && atEnd() ? { kind, nonce: ref, seq } : null;
    }
    case Kind.error:
      return head === 0x86 ? error() : null;
    default:
      return null;
  }
}

/** `[3, seq, payload, dropped]` */
function notify(): Frame | null {
  const seq = uint();
  if (seq < 0) return null;
  // The payload is not the last item, and finding its end would mean parsing it twice. When
  // the last byte is a one-byte uint (dropped < 24, the usual case) and everything before it
  // decodes as exactly one item, that item is the payload: a CBOR item's extent is fixed by its
  // own bytes, so the general decoder would read the same two items. Otherwise: general path.
  const bytes = source();
  const dropped = bytes[bytes.length - 1] as number;
  if (dropped >= 0x18 || position() >= bytes.length - 1) return null;
  const payload = valueIn(position(), bytes.length - 1);
  return payload === NOT_PLAIN ? null : { kind: Kind.notify, seq, payload, dropped };
}

/** `[7, ref, seq, code, message, data]`, ref null when the error answers nothing. */
function error(): Frame | null {
  const bytes = source();
  let ref: Uint8Array | null = null;
  if (bytes[position()] === 0xf6) byte();
  else if ((ref = nonce()) === null) return null;
  const seq = uint();
  const code = ascii(128);
  const message = ascii(4096);
  if (seq < 0 || code === null || message === null) return null;
  const data = lastValue();
  return data === NOT_PLAIN ? null : { kind: Kind.error, ref, seq, code, message, data };
}

/** The app value that ends the frame: it runs from the cursor to the end of the payload. */
function lastValue(): unknown {
  return valueIn(position(), source().length);
}

function valueIn(start: number, stop: number): unknown {
  let value: unknown;
  try {
    value = decodeSlice(source(), start, stop);
  } catch {
    return NOT_PLAIN;
  }
  return isPlainData(value, LIMITS.maxValueDepth) ? value : NOT_PLAIN;
}
