/**
 * The fast decoding path: frames as Stead writes them, read field by field by hand (reader.ts),
 * app values too when they are plain and simple, otherwise by cbor-x from a scratch buffer
 * (cbor.ts). It returns exactly the frame the general path (frame-check.ts) would, or null for
 * any other payload — another valid spelling, or an invalid frame — and the general path then
 * accepts it or names the error. So this file never throws and never refuses anything itself.
 */
import { LIMITS } from '../limits.js';
import { decodeSlice } from './cbor.js';
import { Kind, PROTOCOL_VERSION, type Frame } from './frames.js';
import { isPlainData } from './plain-data.js';
import { NO, ascii, atEnd, byte, close, nonce, open, peek, position, uint, value } from './reader.js';

export function readFrame(bytes: Uint8Array): Frame | null {
  open(bytes);
  const frame = fields(bytes);
  close();
  return frame;
}

function fields(bytes: Uint8Array): Frame | null {
  const head = byte();
  const kind = byte();
  switch (kind) {
    case Kind.hello: {
      if (head !== 0x86 || byte() !== PROTOCOL_VERSION) return null;
      const acked = uint();
      const agent = ascii(256);
      if (acked < 0 || agent === null) return null;
      const ref = nonceOrNull();
      const epoch = ref === NO ? NO : nonceOrNull();
      return ref !== NO && epoch !== NO && atEnd() ? { kind, version: PROTOCOL_VERSION, acked, agent, nonce: ref, epoch } : null;
    }
    case Kind.call: {
      const ref = nonce();
      const seq = uint();
      const answered = uint();
      const method = ascii(128);
      if (head !== 0x86 || ref === null || seq < 1 || answered < 0 || answered >= seq || method === null) return null;
      const args = lastValue(bytes);
      return Array.isArray(args) ? { kind, nonce: ref, seq, answered, method, args } : null;
    }
    case Kind.reply: {
      const ref = nonce();
      const seq = uint();
      if (head !== 0x84 || ref === null || seq < 0) return null;
      const result = lastValue(bytes);
      return result === NO ? null : { kind, ref, seq, value: result };
    }
    case Kind.notify:
      return head === 0x84 ? notify(bytes) : null;
    case Kind.ack: {
      const ref = nonce();
      const seq = uint();
      return head === 0x83 && ref !== null && seq >= 0 && atEnd() ? { kind, nonce: ref, seq } : null;
    }
    case Kind.begin: {
      if (head !== 0x84 || byte() !== PROTOCOL_VERSION) return null;
      const token = nonce();
      const info = token === null ? NO : lastValue(bytes);
      return token === null || info === NO ? null : { kind, version: PROTOCOL_VERSION, token, info };
    }
    case Kind.end: {
      const ref = nonce();
      const seq = uint();
      return head === 0x83 && ref !== null && seq >= 0 && atEnd() ? { kind, nonce: ref, seq } : null;
    }
    case Kind.error:
      return head === 0x86 ? error(bytes) : null;
    default:
      return null;
  }
}

/** `[3, seq, payload, dropped]` */
function notify(bytes: Uint8Array): Frame | null {
  const seq = uint();
  if (seq < 0) return null;
  const from = position();
  const payload = value();
  if (payload !== NO) {
    const dropped = uint();
    return dropped >= 0 && atEnd() ? { kind: Kind.notify, seq, payload, dropped } : null;
  }
  // cbor-x then, but the payload is not the last item and its end is unknown. When the last
  // byte is a one-byte uint (dropped < 24, the usual case) and everything before it decodes as
  // exactly one item, that item is the payload: a CBOR item's extent is fixed by its own bytes,
  // so the general path would read the same two items. Otherwise the general path it is.
  const dropped = bytes[bytes.length - 1] as number;
  const slow = dropped < 0x18 && from < bytes.length - 1 ? valueOf(bytes, from, bytes.length - 1) : NO;
  return slow === NO ? null : { kind: Kind.notify, seq, payload: slow, dropped };
}

/** An 8-byte string or null; NO for anything else. */
function nonceOrNull(): Uint8Array | null | typeof NO {
  if (peek() !== 0xf6) return nonce() ?? NO;
  byte();
  return null;
}

/** `[7, ref, seq, code, message, data]`, ref null when the error answers nothing. */
function error(bytes: Uint8Array): Frame | null {
  const ref = nonceOrNull();
  if (ref === NO) return null;
  const seq = uint();
  const code = ascii(128);
  const message = ascii(4096);
  if (seq < 0 || code === null || message === null) return null;
  const data = lastValue(bytes);
  return data === NO ? null : { kind: Kind.error, ref, seq, code, message, data };
}

/** The app value that ends the frame, by hand or else by cbor-x; NO if neither reads it. */
function lastValue(bytes: Uint8Array): unknown {
  const from = position();
  const item = value();
  if (item !== NO) return atEnd() ? item : NO;
  return valueOf(bytes, from, bytes.length);
}

/** `bytes[from, to)` as one plain value decoded by cbor-x, or NO. */
function valueOf(bytes: Uint8Array, from: number, to: number): unknown {
  let item: unknown;
  try {
    item = decodeSlice(bytes, from, to);
  } catch {
    return NO;
  }
  return isPlainData(item, LIMITS.maxValueDepth) ? item : NO;
}
