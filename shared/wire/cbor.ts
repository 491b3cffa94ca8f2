/**
 * The cbor-x instances the wire uses, configured once (STYLE §7). Frames have a hand-written
 * writer and reader for speed (writer.ts, reader.ts); cbor-x encodes and decodes what those
 * leave aside (non-plain or deeply nested values, other spellings), the state snapshots, and
 * is the reference their bytes and results must match.
 */
import { Decoder, Encoder } from 'cbor-x';

// Plain CBOR: no record extension (no structures shared between peers), byte strings untagged.
const codecOptions = { useRecords: false, tagUint8Array: false, mapsAsObjects: true } as const;
export const encoder = new Encoder(codecOptions);
// Decoded byte strings (nonces, tokens, app bytes) are copies: a view would pin the whole MQTT
// payload (or the socket chunk it is a slice of) in long-lived records, and change with it.
export const decoder = new Decoder({ ...codecOptions, copyBuffers: true });

/**
 * App values are copied into this buffer before cbor-x decodes them. cbor-x caches a DataView
 * on the buffer it decodes; for a fresh payload (or a fresh subarray of one) creating and
 * attaching it costs more than decoding a small value. So small values are decoded from views
 * of this buffer kept per length, each of which keeps its DataView. Nothing decoded refers to
 * the buffer afterwards: strings are strings and byte strings are copies (copyBuffers).
 */
const SCRATCH_BYTES = 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
const views: (Buffer | undefined)[] = [];

/** Decodes `bytes[start, end)` as exactly one CBOR item; throws what cbor-x throws. */
export function decodeSlice(bytes: Uint8Array, start: number, end: number): unknown {
  const length = end - start;
  // Byte strings decode to copies of the source's class: only a Buffer may go through the scratch.
  if (length > SCRATCH_BYTES || !Buffer.isBuffer(bytes)) return decoder.decode(bytes.subarray(start, end));
  for (let i = 0; i < length; i++) scratch[i] = bytes[start + i] as number;
  let view = views[length];
  if (view === undefined) views[length] = view = scratch.subarray(0, length);
  return decoder.decode(view);
}
