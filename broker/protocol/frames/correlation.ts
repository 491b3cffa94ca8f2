import { Kind, type Frame } from '../../../shared/wire/frames.js';

/** The ref and seq a device matches an answer against. */
export type Correlation = [ref: Uint8Array | null, seq: number];

/** What an error about this frame must carry for its sender to match it. */
export function correlation(frame: Frame): Correlation {
  switch (frame.kind) {
    case Kind.call:
    case Kind.end:
      return [frame.nonce, frame.seq];
    case Kind.begin:
      return [frame.token, 0];
    case Kind.resource:
      return [frame.ref, frame.seq];
    default:
      return [null, 0];
  }
}
