import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { NOT_PLAIN, TOO_LARGE, copyPlainData, isPlainData } from '../../shared/wire/plain-data.js';
import { Kind, MAX_ERROR_MESSAGE_CHARS } from '../../shared/wire/frames.js';
import type { QueuedNotification } from '../apps/define-proxy.js';
import type { NotificationQueue } from './record.js';

/**
 * The frames a proxy sends, encoded once and kept as bytes (the reply cache holds them). Every
 * value is checked before it is encoded: what cannot reach a device fails here, in the
 * transaction, never on the device (which would see only a deadline).
 */

/** The encoded reply to a call: BAD_VALUE or REPLY_TOO_LARGE when the device could not take it. */
export function replyBytes(ref: Uint8Array, seq: number, value: unknown, limits: Limits): Uint8Array {
  let copy: unknown;
  try {
    copy = plainCopy(value, 'the return value', limits);
  } catch (error) {
    throw isSteadError(error, 'VALUE_TOO_LARGE') ? new SteadError('REPLY_TOO_LARGE', error.message) : error;
  }
  const bytes = encodeFrame({ kind: Kind.reply, ref, seq, value: copy });
  if (bytes.length > limits.maxFrameBytes) {
    throw new SteadError('REPLY_TOO_LARGE', `reply of ${bytes.length} bytes exceeds one frame (${limits.maxFrameBytes})`);
  }
  return bytes;
}

/** A queued notification as sent; `dropped` is the queue's running count of overflow losses. */
export function notifyBytes(item: QueuedNotification, dropped: number): Uint8Array {
  return encodeFrame({ kind: Kind.notify, seq: item.seq, payload: item.payload, dropped });
}

/**
 * The largest this notification's frame can become: it is sent again with the queue's drop count
 * of the moment, which only grows, and a count is at most 9 bytes of CBOR.
 */
export function notifyBound(bytes: Uint8Array, dropped: number): number {
  return bytes.length - uintBytes(dropped) + 9;
}

function uintBytes(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/** An error frame; the message is cut to what the wire carries, data kept only if it fits. */
export function errorBytes(ref: Uint8Array | null, seq: number, error: SteadError): Uint8Array {
  const message = error.message.length > MAX_ERROR_MESSAGE_CHARS ? error.message.slice(0, MAX_ERROR_MESSAGE_CHARS) : error.message;
  return encodeFrame({ kind: Kind.error, ref, seq, code: error.code, message, data: wireData(error.data) });
}

/**
 * The value as a copy of plain data a device decodes (DESIGN §5), within the depth limit, or
 * BAD_VALUE. The copy is what is kept and encoded: each property was read once, when checked.
 */
export function plainCopy(value: unknown, what: string, limits: Limits): unknown {
  // Every item takes at least one byte: more items than a frame has bytes can never be sent.
  const copy = copyPlainData(value, limits.maxValueDepth, limits.maxFrameBytes);
  if (copy === TOO_LARGE) throw new SteadError('VALUE_TOO_LARGE', `${what} has more items than one frame can carry (${limits.maxFrameBytes} bytes)`);
  if (copy === NOT_PLAIN) {
    throw new SteadError('BAD_VALUE', `${what} is not plain data a device can decode (no Date, Map, Set, class instance or function; depth ≤ ${limits.maxValueDepth})`);
  }
  return copy;
}

/** VALUE_TOO_LARGE when an encoded value does not fit in one frame. */
export function checkFits(bytes: number, what: string, limits: Limits): void {
  if (bytes > limits.maxFrameBytes) {
    throw new SteadError('VALUE_TOO_LARGE', `${what} of ${bytes} bytes does not fit in one frame (${limits.maxFrameBytes})`);
  }
}

/**
 * A throw from app code becomes APP_ERROR carrying the app's message (and `code` if it set one);
 * Stead errors keep their code.
 */
export function toSteadError(error: unknown): SteadError {
  if (isSteadError(error)) return error;
  // App code may throw anything, with getters that throw: read each part once, defensively.
  const message = read(() => (error instanceof Error ? error.message : String(error)));
  const name = error instanceof Error ? read(() => error.name) : 'Error';
  const appCode = error instanceof Error ? read(() => (error as Error & { code?: unknown }).code) : null;
  return new SteadError('APP_ERROR', typeof message === 'string' ? message : '(an error that cannot be printed)', {
    cause: error,
    data: { name: typeof name === 'string' ? name.slice(0, 128) : 'Error', code: typeof appCode === 'string' ? appCode.slice(0, 128) : null },
  });
}

function read(get: () => unknown): unknown {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/** Error data that is plain and small goes along; anything else is dropped, not the error. */
function wireData(data: unknown): unknown {
  if (data === undefined || data === null || !isPlainData(data, 8)) return null;
  try {
    return encodeFrame({ kind: Kind.error, ref: null, seq: 0, code: '', message: '', data }).length <= 4096 ? data : null;
  } catch {
    return null;
  }
}

/** Every unacknowledged notification of a queue, in order, as frames to send again. */
export function queueFrames(queue: NotificationQueue): Uint8Array[] {
  return queue.items.map((item) => notifyBytes(item, queue.dropped));
}
