import { decodeValue, encodeValue } from '../../../shared/wire/codec.js';
import type { ProxyWrite } from '../types.js';

/** A commit batch as one CBOR buffer `[[key, expectVersion, record, wakeAt], …]`, for the worker. */
export function encodeBatch(writes: readonly ProxyWrite[]): Uint8Array {
  return encodeValue(writes.map((w) => [w.key, w.expectVersion, w.record, w.wakeAt]));
}

export function decodeBatch(batch: Uint8Array): ProxyWrite[] {
  return (decodeValue(batch) as [string, number, Uint8Array, number | null][]).map(([key, expectVersion, record, wakeAt]) => ({
    key,
    expectVersion,
    record,
    wakeAt,
  }));
}
