import { SteadError, isSteadError } from '../../shared/errors.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import type { QueuedNotification } from './define-proxy.js';

/** The encoded reply, or null when it does not fit in one frame. */
export function replyBytes(ref: Uint8Array, seq: number, value: unknown, maxBytes: number): Uint8Array | null {
  let bytes: Uint8Array;
  try {
    bytes = encodeFrame({ kind: Kind.reply, ref, seq, value });
  } catch {
    return null;
  }
  return bytes.length <= maxBytes ? bytes : null;
}

/** A queued notification as sent; `dropped` is the queue's running count of overflow losses. */
export function notifyBytes(item: QueuedNotification, dropped: number): Uint8Array {
  return encodeFrame({ kind: Kind.notify, seq: item.seq, payload: item.payload, dropped });
}

export function errorBytes(ref: Uint8Array | null, seq: number, error: SteadError): Uint8Array {
  return encodeFrame({ kind: Kind.error, ref, seq, code: error.code, message: error.message, data: wireData(error.data) });
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
      data: { name: error.name, code: typeof appCode === 'string' ? appCode : null },
    });
  }
  return new SteadError('APP_ERROR', String(error), { data: { name: 'Error', code: null } });
}

function wireData(data: unknown): unknown {
  try {
    encodeFrame({ kind: Kind.error, ref: null, seq: 0, code: '', message: '', data });
    return data ?? null;
  } catch {
    return null;
  }
}
