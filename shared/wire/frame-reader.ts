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
import { NO, releaseReader, takeReader, type CborReader } from './reader.js';

export function readFrame(bytes: Uint8Array): Frame | null {
  const r = takeReader();
  r.open(bytes);
  try {
    return fields(r, bytes);
  } finally {
    r.close();
    releaseReader(r);
  }
}

function fields(r: CborReader, bytes: Uint8Array): Frame | null {
  const head = r.byte();
  const kind = r.byte();
  switch (kind) {
    case Kind.hello: {
      if (head !== 0x86 || r.byte() !== PROTOCOL_VERSION) return null;
      const acked = r.uint();
      const agent = r.ascii(256);
      if (acked < 0 || agent === null) return null;
      const ref = nonceOrNull(r);
      const epoch = ref === NO ? NO : nonceOrNull(r);
      return ref !== NO && epoch !== NO && r.atEnd() ? { kind, version: PROTOCOL_VERSION, acked, agent, nonce: ref, epoch } : null;
    }
    case Kind.call: {
      const ref = r.nonce();
      const seq = r.uint();
      const answered = r.uint();
      const method = r.ascii(128);
      if (head !== 0x86 || ref === null || seq < 1 || answered < 0 || answered >= seq || method === null) return null;
      const args = lastValue(r, bytes);
      return Array.isArray(args) ? { kind, nonce: ref, seq, answered, method, args } : null;
    }
    case Kind.reply: {
      const ref = r.nonce();
      const seq = r.uint();
      if (head !== 0x84 || ref === null || seq < 0) return null;
      const result = lastValue(r, bytes);
      return result === NO ? null : { kind, ref, seq, value: result };
    }
    case Kind.notify:
      return head === 0x84 ? notify(r, bytes) : null;
    case Kind.ack: {
      const ref = r.nonce();
      const seq = r.uint();
      return head === 0x83 && ref !== null && seq >= 0 && r.atEnd() ? { kind, nonce: ref, seq } : null;
    }
    case Kind.begin: {
      if (head !== 0x84 || r.byte() !== PROTOCOL_VERSION) return null;
      const token = r.nonce();
      const info = token === null ? NO : lastValue(r, bytes);
      return token === null || info === NO ? null : { kind, version: PROTOCOL_VERSION, token, info };
    }
    case Kind.end: {
      const ref = r.nonce();
      const seq = r.uint();
      return head === 0x83 && ref !== null && seq >= 0 && r.atEnd() ? { kind, nonce: ref, seq } : null;
    }
    case Kind.error:
      return head === 0x86 ? error(r, bytes) : null;
    default:
      return null;
  }
}

/** `[3, seq, payload, dropped]` */
function notify(r: CborReader, bytes: Uint8Array): Frame | null {
  const seq = r.uint();
  if (seq < 0) return null;
  const from = r.position();
  const payload = r.value();
  if (payload !== NO) {
    const dropped = r.uint();
    return dropped >= 0 && r.atEnd() ? { kind: Kind.notify, seq, payload, dropped } : null;
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
function nonceOrNull(r: CborReader): Uint8Array | null | typeof NO {
  if (r.peek() !== 0xf6) return r.nonce() ?? NO;
  r.byte();
  return null;
}

/** `[7, ref, seq, code, message, data]`, ref null when the error answers nothing. */
function error(r: CborReader, bytes: Uint8Array): Frame | null {
  const ref = nonceOrNull(r);
  if (ref === NO) return null;
  const seq = r.uint();
  const code = r.ascii(128);
  const message = r.ascii(4096);
  if (seq < 0 || code === null || message === null) return null;
  const data = lastValue(r, bytes);
  return data === NO ? null : { kind: Kind.error, ref, seq, code, message, data };
}

/** The app value that ends the frame, by hand or else by cbor-x; NO if neither reads it. */
function lastValue(r: CborReader, bytes: Uint8Array): unknown {
  const from = r.position();
  const item = r.value();
  if (item !== NO) return r.atEnd() ? item : NO;
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
