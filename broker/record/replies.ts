import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { isPlainData } from '../../shared/wire/plain-data.js';
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
  checkPlain(value, 'the return value', limits);
  const bytes = encodeFrame({ kind: Kind.reply, ref, seq, value });
  if (bytes.length > limits.maxFrameBytes) {
    throw new SteadError('REPLY_TOO_LARGE', `reply of ${bytes.length} bytes exceeds one frame (${limits.maxFrameBytes})`);
  }
  return bytes;
}

/** A queued notification as sent; `dropped` is the queue's running count of overflow losses. */
export function notifyBytes(item: QueuedNotification, dropped: number): Uint8Array {
  return encodeFrame({ kind: Kind.notify, seq: item.seq, payload: item.payload, dropped });
}

/** An error frame; the message is cut to what the wire carries, data kept only if it fits. */
export function errorBytes(ref: Uint8Array | null, seq: number, error: SteadError): Uint8Array {
  const message = error.message.length > MAX_ERROR_MESSAGE_CHARS ? error.message.slice(0, MAX_ERROR_MESSAGE_CHARS) : error.message;
  return encodeFrame({ kind: Kind.error, ref, seq, code: error.code, message, data: wireData(error.data) });
}

/** BAD_VALUE unless the value is plain data a device decodes (DESIGN §5), within the depth limit. */
export function checkPlain(value: unknown, what: string, limits: Limits): void {
  if (!isPlainData(value, limits.maxValueDepth)) {
    throw new SteadError('BAD_VALUE', `${what} is not plain data a device can decode (no Date, Map, Set, class instance or function; depth ≤ ${limits.maxValueDepth})`);
  }
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
  if (error instanceof Error) {
    const appCode = (error as Error & { code?: unknown }).code;
    return new SteadError('APP_ERROR', error.message, {
      cause: error,
      data: { name: error.name, code: typeof appCode === 'string' ? appCode.slice(0, 128) : null },
    });
  }
  return new SteadError('APP_ERROR', String(error), { data: { name: 'Error', code: null } });
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
