/**
 * The codec's hand-written paths (shared/wire/writer.ts, reader.ts, frame-reader.ts) against
 * cbor-x, which they stand in for on the hot path: the writer must write exactly the bytes cbor-x
 * writes for the frame's array, and the fast reader must return exactly the frame the general
 * path (cbor-x, frame-check.ts) returns, or step aside (null) for the general path to decide.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeFrame, encodeValue } from '../../shared/wire/codec.js';
import { checkFrame } from '../../shared/wire/frame-check.js';
import { readFrame } from '../../shared/wire/frame-reader.js';
import { Kind, Verb, type Frame } from '../../shared/wire/frames.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The frame's array, as cbor-x writes it: the reference for the writer. */
function cborX(frame: Frame): string {
  const { kind, ...fields } = frame;
  return hex(encodeValue([kind, ...Object.values(fields)]));
}

// Values of every kind, plain or not: the writer handles some and must hand the rest to cbor-x.
const awkwardNumber = fc.constantFrom(
  ...[0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53],
  ...[-1, -24, -25, -256, -257, -65_536, -65_537, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), -(2 ** 32) - 1],
  ...[-0, 0.5, NaN, Infinity, -Infinity],
);
const number = fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger(), awkwardNumber);
// Any code units, lone surrogates included; long enough for every string header and both of
// cbor-x's UTF-8 paths (its own below 64 characters, Buffer's above).
const codeUnit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: codeUnit, maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
);
const key = fc.oneof(text, fc.constantFrom('__proto__', 'hasOwnProperty', 'constructor', '0', '1'));
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: 4, maxLength: 20 }).map((b) => b.subarray(2)),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
);
const leaf = fc.oneof(number, text, bytes, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt());
const anything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
});
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 30 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    anything,
  ),
}));
/** Nesting past what the hand-written paths take (16 levels). */
const deep = fc.tuple(fc.integer({ min: 14, max: 40 }), leaf).map(([depth, item]) => {
  let nested: unknown = item;
  for (let i = 0; i < depth; i++) nested = i % 2 ? [nested] : { k: nested };
  return nested;
});
const appValue = fc.oneof(value, deep);
const seq = fc.oneof(fc.nat({ max: 2 ** 32 - 1 }), fc.maxSafeNat(), number);
const nonce = fc.oneof(fc.uint8Array({ minLength: 8, maxLength: 8 }), bytes);

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    kind: fc.constant(Kind.hello),
    version: seq,
    acked: seq,
    agent: text,
    nonce: fc.option(nonce, { nil: null }),
    epoch: fc.option(nonce, { nil: null }),
  }),
  fc.record({ kind: fc.constant(Kind.call), nonce, seq, answered: seq, method: text, args: fc.array(appValue, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant(Kind.reply), ref: nonce, seq, value: appValue }),
  fc.record({ kind: fc.constant(Kind.notify), seq, payload: appValue, dropped: seq }),
  fc.record({ kind: fc.constant(Kind.ack), nonce, seq }),
  fc.record({ kind: fc.constant(Kind.begin), version: seq, token: nonce, info: appValue }),
  fc.record({ kind: fc.constant(Kind.end), nonce, seq }),
  fc.record({ kind: fc.constant(Kind.error), ref: fc.option(nonce, { nil: null }), seq, code: text, message: text, data: appValue }),
) as fc.Arbitrary<Frame>;

describe('the hand-written writer', () => {
  test('writes the bytes cbor-x writes, for any frame', () => {
    fc.assert(
      fc.property(frame, (f) => {
        expect(hex(encodeFrame(f))).toBe(cborX(f));
      }),
      { numRuns: 3000 },
    );
  });

  test('hands a field of the wrong type (untyped callers) to cbor-x', () => {
    const wrong = fc.oneof(fc.string(), fc.bigInt(), fc.constant(null), fc.constant([1]), fc.constant({}));
    fc.assert(
      fc.property(wrong, wrong, (a, b) => {
        const frames = [
          { kind: Kind.ack, nonce: b, seq: a },
          { kind: Kind.call, nonce: a, seq: 1, answered: 0, method: b, args: [] },
          { kind: Kind.notify, seq: 1, payload: null, dropped: a },
          { kind: Kind.error, ref: null, seq: 1, code: a, message: b, data: null },
        ] as unknown as Frame[];
        for (const f of frames) expect(hex(encodeFrame(f))).toBe(cborX(f));
      }),
    );
  });

  test('an object with 70,000 keys (past a map16 count) is left to cbor-x', () => {
    const big = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i]));
    const f: Frame = { kind: Kind.reply, ref: new Uint8Array(8), seq: 1, value: big };
    expect(hex(encodeFrame(f))).toBe(cborX(f));
  });
});

/** The frame with its nonce field as a plain array: the fast path copies nonces to Uint8Arrays. */
function comparable(f: Frame): unknown {
  const fields: Record<string, unknown> = { ...f };
  for (const name of ['nonce', 'ref', 'token', 'epoch']) {
    const field = fields[name];
    if (field instanceof Uint8Array) fields[name] = Array.from(field);
  }
  return fields;
}

/**
 * Same value down to classes, prototypes, key order and -0 (toStrictEqual compares objects'
 * `constructor` properties, which a decoded map may carry as a key).
 */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  const keys = Reflect.ownKeys(a);
  const otherKeys = Reflect.ownKeys(b);
  if (keys.length !== otherKeys.length) return false;
  return keys.every(
    (k, i) => k === otherKeys[i] && same((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]),
  );
}

function general(bytesIn: Uint8Array): Frame | 'refused' {
  try {
    return checkFrame(bytesIn);
  } catch {
    return 'refused';
  }
}

// Frames that pass the general path's checks, with the spellings the fast path reads: small
// seqs, version 1, 8-byte nonces, mostly ASCII text. The app values are anything.
const smallSeq = fc.oneof(fc.nat({ max: 30 }), fc.nat({ max: 2 ** 32 - 1 }));
const word = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), text);
const nonce8 = fc.uint8Array({ minLength: 8, maxLength: 8 });
const wellFormed: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    kind: fc.constant(Kind.hello),
    version: fc.constant(1),
    acked: smallSeq,
    agent: word,
    nonce: fc.option(nonce8, { nil: null }),
    epoch: fc.option(nonce8, { nil: null }),
  }),
  fc.tuple(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.nat(), nonce8, word, fc.array(appValue, { maxLength: 4 })).map(
    ([s, back, n, method, args]) => ({ kind: Kind.call, nonce: n, seq: s, answered: Math.max(0, s - 1 - back), method, args }),
  ),
  fc.record({ kind: fc.constant(Kind.reply), ref: nonce8, seq: smallSeq, value: appValue }),
  fc.record({ kind: fc.constant(Kind.notify), seq: smallSeq, payload: appValue, dropped: smallSeq }),
  fc.record({ kind: fc.constant(Kind.ack), nonce: nonce8, seq: smallSeq }),
  fc.record({ kind: fc.constant(Kind.begin), version: fc.constant(1), token: nonce8, info: appValue }),
  fc.record({ kind: fc.constant(Kind.end), nonce: nonce8, seq: smallSeq }),
  fc.record({ kind: fc.constant(Kind.error), ref: fc.option(nonce8, { nil: null }), seq: smallSeq, code: word, message: word, data: appValue }),
  fc.record({
    kind: fc.constant(Kind.resource),
    ref: nonce8,
    seq: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    answered: fc.nat(),
    verb: fc.constantFrom(...Object.values(Verb)),
    session: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 64 }), { nil: null }),
    key: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 128 }), { nil: null }),
    value: appValue,
    options: fc.option(fc.record({ ttl: fc.nat(), once: fc.boolean() }, { requiredKeys: [] }), { nil: null }),
  }).map((f) => ({ ...f, answered: f.answered % f.seq })),
) as fc.Arbitrary<Frame>;

describe('the fast reader', () => {
  const valid = fc.oneof(wellFormed, frame).map((f) => encodeFrame(f));
  const damaged = valid.chain((b) =>
    fc.oneof(
      fc.tuple(fc.nat(b.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, octet]) => {
        const copy = Buffer.from(b);
        copy[at] = octet;
        return copy;
      }),
      fc.nat(b.length - 1).map((at) => b.subarray(0, at)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((tail) => Buffer.concat([b, tail])),
    ),
  );
  const shaped = fc
    .tuple(fc.integer({ min: 0, max: 7 }), fc.array(fc.oneof(seq, nonce, text, appValue), { maxLength: 6 }))
    .map(([kind, rest]) => encodeValue([kind, ...rest]));
  const input = fc.oneof(valid, damaged, shaped, fc.uint8Array({ maxLength: 64 }));

  test('returns what the general path returns, or null where it refuses', () => {
    fc.assert(
      fc.property(input, fc.boolean(), (payload, plainArray) => {
        // MQTT hands over Buffers; a plain Uint8Array must work the same.
        const bytesIn = plainArray ? new Uint8Array(payload) : Buffer.from(payload);
        const fast = readFrame(bytesIn);
        const slow = general(bytesIn);
        if (slow === 'refused') expect(fast).toBeNull();
        else if (fast !== null) expect(same(comparable(fast), comparable(slow))).toBe(true);
      }),
      { numRuns: 4000 },
    );
  });

  test('reads the frames Stead writes by itself', () => {
    const typical: Frame[] = [
      { kind: Kind.call, nonce: new Uint8Array(8), seq: 70_000, answered: 300, method: 'set', args: [-1, 1.5, true, null, { a: [2] }] },
      { kind: Kind.reply, ref: new Uint8Array(8), seq: 5, value: { bread: 12, bagel: 3 } },
      { kind: Kind.notify, seq: 9, payload: ['x'.repeat(300)], dropped: 400 },
      { kind: Kind.error, ref: null, seq: 0, code: 'STEAD_E_APP_ERROR', message: 'm'.repeat(300), data: null },
    ];
    const read = typical.map((f) => readFrame(encodeFrame(f)));
    expect(read.map((f, i) => f !== null && same(comparable(f), comparable(typical[i] as Frame)))).toEqual([true, true, true, true]);
  });
});
