/**
 * Encoding runs app code (getters), and that code may encode too. Each write has a writer of its
 * own (shared/wire/writer.ts), so a write nested in another gives its own bytes and leaves the
 * outer one's intact: both are exactly what cbor-x writes for the values the getters returned.
 */
import { describe, expect, test } from 'vitest';
import { encoder } from '../../shared/wire/cbor.js';
import { decodeFrame, encodeFrame, encodeValue } from '../../shared/wire/codec.js';
import { Kind, type Frame } from '../../shared/wire/frames.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const cborX = (value: unknown): string => hex(encoder.encode(value));

/** An object whose `late` getter encodes `inner` (through `encode`) each time it is read. */
function encodingGetter(inner: unknown, encode: (value: unknown) => Uint8Array, seen: Uint8Array[]): Record<string, unknown> {
  return {
    before: 'a string written before the getter runs',
    get late() {
      seen.push(encode(inner));
      return [1, 2, 3];
    },
    after: { n: 70_000, ok: true },
  };
}
const plainOf = { before: 'a string written before the getter runs', late: [1, 2, 3], after: { n: 70_000, ok: true } };

describe('an encode started by app code while another encode runs', () => {
  test('a value encoded from a getter of a value being encoded: both are the bytes cbor-x writes', () => {
    const seen: Uint8Array[] = [];
    const inner = { nested: ['x', 2, null], text: 'y'.repeat(100) };
    const outer = encodeValue(encodingGetter(inner, (v) => encodeValue(v), seen));
    expect(hex(outer)).toBe(cborX(plainOf));
    expect(seen.map(hex)).toEqual([cborX(inner)]);
  });

  test('a frame encoded from a getter of a notification payload: both frames decode to what was meant', () => {
    const seen: Uint8Array[] = [];
    const innerFrame: Frame = { kind: Kind.notify, seq: 2, payload: 'inner', dropped: 0 };
    const payload = encodingGetter(innerFrame, (f) => encodeFrame(f as Frame), seen);
    const outer = encodeFrame({ kind: Kind.notify, seq: 1, payload, dropped: 3 });
    expect(decodeFrame(outer)).toEqual({ kind: Kind.notify, seq: 1, payload: plainOf, dropped: 3 });
    expect(seen.map((bytes) => decodeFrame(bytes))).toEqual([innerFrame]);
  });

  test('writes nested deeper than the writers kept idle each come out whole', () => {
    const seen: Uint8Array[] = [];
    const nest = (level: number): unknown =>
      level === 0 ? 'bottom' : encodingGetter(null, () => encodeValue(nest(level - 1)), seen);
    const top = encodeValue(nest(8));
    expect(hex(top)).toBe(cborX(plainOf));
    expect(seen.map(hex)).toEqual([cborX('bottom'), ...Array.from({ length: 7 }, () => cborX(plainOf))]);
  });

  test('a getter that throws leaves the next encode unharmed', () => {
    const failure = new Error('the getter failed');
    const failing = {
      get boom(): never {
        throw failure;
      },
    };
    let thrown: unknown;
    try {
      encodeValue({ a: 'partly written', failing });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(failure);
    expect(hex(encodeValue({ a: 1 }))).toBe(cborX({ a: 1 }));
  });
});
