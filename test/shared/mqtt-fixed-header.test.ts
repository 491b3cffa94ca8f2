import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MALFORMED, MAX_REMAINING_LENGTH, MqttFixedHeaderReader, TOO_LARGE } from '../../shared/wire/mqtt-fixed-header.js';

/** A packet of type `type` with `length` body bytes, its Remaining Length as MQTT writes it. */
function packet(type: number, length: number): Buffer {
  const header = [type << 4];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    header.push(byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from(header), Buffer.alloc(length, 0x61)]);
}

/**
 * Feeds the chunks in order: each packet that ends as `type@end` (its end's offset in the whole
 * stream), then how the stream stands: `more` (a packet under way, or none), `too large` or
 * `malformed`.
 */
function trace(chunks: readonly Uint8Array[], cap?: number): string[] {
  const reader = new MqttFixedHeaderReader(cap);
  const seen: string[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      at = reader.read(chunk, at);
      if (at === TOO_LARGE) return [...seen, 'too large'];
      if (at === MALFORMED) return [...seen, 'malformed'];
      if (reader.ended) seen.push(`${reader.type}@${offset + at}`);
    }
    offset += chunk.length;
  }
  return [...seen, 'more'];
}

const hex = (...parts: string[]): Buffer[] => parts.map((part) => Buffer.from(part.replace(/ /g, ''), 'hex'));
/** The stream cut into chunks of `size` bytes. */
const cut = (stream: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size));

describe('MqttFixedHeaderReader', () => {
  it.each<[string, Buffer[], number | undefined, string[]]>([
    ['a PINGREQ (no body)', hex('c0 00'), undefined, ['12@2', 'more']],
    ['a PUBLISH of 3 body bytes', hex('30 03 616263'), undefined, ['3@5', 'more']],
    ['two packets in one chunk', hex('30 01 61 c0 00'), undefined, ['3@3', '12@5', 'more']],
    ['a packet cut after its type byte', hex('30', '02 6162'), undefined, ['3@4', 'more']],
    ['a two-byte length cut between its bytes', [...hex('30 80'), Buffer.concat([hex('01')[0]!, Buffer.alloc(128)])], undefined, ['3@131', 'more']],
    ['a body cut across three chunks', hex('30 04 61', '62', '6364 c0'), undefined, ['3@6', 'more']],
    ['a packet whose body has not come yet', hex('30 05 61'), undefined, ['more']],
    ['the largest Remaining Length (0xff 0xff 0xff 0x7f)', hex('30 ff ff ff 7f'), undefined, ['more']],
    ['a fifth length byte', hex('30 80 80 80 80 01'), undefined, ['malformed']],
    ['a fifth length byte after a whole packet', hex('c0 00 30 80 80', '80 80 01'), undefined, ['12@2', 'malformed']],
    ['a length exactly at the cap', [packet(3, 1000)], 1000, ['3@1003', 'more']],
    ['a length one over the cap', hex('30 e9 07'), 1000, ['too large']],
    ['a length over the cap before its last byte (0xff 0xff …)', hex('30 ff ff'), 1000, ['too large']],
    ['a packet over the cap after one under it', [packet(3, 10), packet(3, 1001)], 1000, ['3@12', 'too large']],
  ])('%s', (_name, chunks, cap, expected) => {
    expect(trace(chunks, cap)).toEqual(expected);
  });

  it.each([1, 2, 3, 7, 1000])('follows packets of every length split into chunks of %i bytes', (size) => {
    const lengths = [0, 1, 127, 128, 16_383, 16_384, 1000];
    const stream = Buffer.concat(lengths.map((length) => packet(3, length)));
    let end = 0;
    const ends = lengths.map((length) => `3@${(end += packet(3, length).length)}`);
    expect(trace(cut(stream, size), 16_384)).toEqual([...ends, 'more']);
  });

  it('gives the same boundaries for any chunking of any stream of packets', () => {
    const packets = fc.array(fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(packets, fc.integer({ min: 1, max: 64 }), (specs, size) => {
        const whole = specs.map(([type, length]) => packet(type, length));
        let end = 0;
        const ends = whole.map((bytes, i) => `${specs[i]![0]}@${(end += bytes.length)}`);
        expect(trace(cut(Buffer.concat(whole), size))).toEqual([...ends, 'more']);
      }),
    );
  });

  it('stays failed: a stream without boundaries gives none again', () => {
    const reader = new MqttFixedHeaderReader();
    expect(reader.read(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80]), 0)).toBe(MALFORMED);
    expect(reader.read(Buffer.from([0xc0, 0x00]), 0)).toBe(MALFORMED);
    expect(reader.accept(Buffer.alloc(0))).toBe(false);
  });

  it('accept: a whole chunk read for its verdict alone, the announced length kept for the report', () => {
    const reader = new MqttFixedHeaderReader(1000);
    expect(reader.accept(Buffer.concat([packet(3, 1000), packet(12, 0)]))).toBe(true);
    expect(reader.accept(packet(3, 1001))).toBe(false);
    expect(reader.announced).toBeGreaterThan(1000);
    expect(new MqttFixedHeaderReader().accept(packet(3, 16_384).subarray(0, 10))).toBe(true);
  });

  it('the default cap is the largest length MQTT can say', () => {
    expect(MAX_REMAINING_LENGTH).toBe(0x7f * (1 + 128 + 128 ** 2 + 128 ** 3));
  });
});
