import fc from 'fast-check';
import { LIMITS } from '../../shared/limits.js';
import { encoder } from '../../shared/wire/cbor.js';
import { NONCE_BYTES, PROTOCOL_VERSION, Verb } from '../../shared/wire/frames.js';

/**
 * What a hostile device publishes on its own `…/in` topic (issue 8): arbitrary bytes, CBOR of
 * arbitrary shapes, and near-valid frames of every kind (0..8) whose fields are mostly of the
 * right type and sometimes not: huge, negative, NaN and fractional seqs, wrong nonces, unknown
 * methods, deep nesting, oversize values, an element missing or one too many.
 */

/** An array nested `depth` deep around a string: past the codec's depth limit from 33 on. */
function nested(depth: number): unknown {
  let value: unknown = 'core';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const deep = fc.integer({ min: 1, max: 200 }).map(nested);
/** A value whose frame is over maxFrameBytes, or just under it. */
const oversize = fc.integer({ min: LIMITS.maxFrameBytes - 64, max: LIMITS.maxFrameBytes + 4096 }).map((n) => 'x'.repeat(n));

const weird = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.constantFrom(null, undefined, true, '', -0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 64, -(2 ** 63), Number.MAX_VALUE, 0.5),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 32 }),
  deep,
);

/** Mostly `right`, sometimes anything at all. */
function mostly<T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: weird });
}

const nonce = mostly(fc.uint8Array({ minLength: NONCE_BYTES, maxLength: NONCE_BYTES }));
const seq = mostly(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constantFrom(-1, NaN, 2 ** 53, 2 ** 64, 1.5)) }));
const version = mostly(fc.constantFrom(PROTOCOL_VERSION, 0, PROTOCOL_VERSION + 1));
const name = mostly(fc.oneof(fc.constantFrom('buy', 'counters', 'till', 'evil', '__proto__', 'constructor', ''), fc.string({ maxLength: 80 })));
const value = fc.oneof({ weight: 8, arbitrary: fc.anything({ maxDepth: 4 }) }, { weight: 2, arbitrary: deep }, { weight: 1, arbitrary: oversize });
const args = mostly(fc.array(value, { maxLength: 4 }));
const verb = mostly(fc.constantFrom(...Object.values(Verb), 6, -1));
const options = mostly(fc.record({ ttl: seq, once: fc.boolean(), after: name }, { requiredKeys: [] }));

/** The fields after the kind, in wire order (shared/wire/frames.ts), per kind. */
const FIELDS: readonly (readonly fc.Arbitrary<unknown>[])[] = [
  [version, seq, name, nonce, nonce], // hello: version, acked, agent, nonce, epoch
  [nonce, seq, seq, name, args], // call: nonce, seq, answered, method, args
  [nonce, seq, value], // reply (proxy → device only)
  [seq, value, seq], // notify (proxy → device only)
  [nonce, seq], // ack
  [version, nonce, value], // begin: version, token, info
  [nonce, seq], // end
  [nonce, seq, name, name, value], // error (proxy → device only)
  [nonce, verb, name, name, value, options], // resource: ref, verb, session, key, value, options
];

/** A frame of a kind (or a kind just outside 0..8) with one element missing, one extra, or neither. */
const nearValid = fc.integer({ min: -1, max: 9 }).chain((kind) => {
  const fields = FIELDS[kind] ?? [weird, weird];
  const shape = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) });
  return fc.tuple(fc.tuple(...fields), shape, weird).map(([values, shape, extra]): unknown[] => {
    if (shape < 0) return [kind, ...values.slice(0, -1)];
    if (shape > 0) return [kind, ...values, extra];
    return [kind, ...values];
  });
});

/** cbor-x's bytes for a value (any JavaScript value fast-check makes encodes; a few are refused). */
function cbor(value: unknown): Uint8Array {
  try {
    return encoder.encode(value);
  } catch {
    return Uint8Array.of(0xff);
  }
}

/** Frames past this are oversize MQTT packets, which close the connection (oversize-packets.test.ts). */
const MAX_PAYLOAD_BYTES = LIMITS.maxFrameBytes + 8192;

/** One payload a hostile device sends: a quarter raw bytes, a quarter any CBOR, half near-valid frames. */
export const hostilePayload: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 5, withBigInt: true, withTypedArray: true, withMap: true, withSet: true, withDate: true }).map(cbor) },
    { weight: 2, arbitrary: nearValid.map(cbor) },
  )
  .filter((payload) => payload.length <= MAX_PAYLOAD_BYTES);
