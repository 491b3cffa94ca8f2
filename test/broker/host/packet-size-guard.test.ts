import { describe, expect, it } from 'vitest';
import { FixedHeaderReader, MQTT_OVERHEAD_BYTES, packetCap } from '../../../broker/host/packet-size-guard.js';

/** A packet of type PUBLISH with `length` body bytes, its remaining length as MQTT writes it. */
function packet(length: number): Buffer {
  const header = [0x30];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    header.push(byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from(header), Buffer.alloc(length, 0x61)]);
}

/** Feeds the bytes in chunks of `size`; the reader's verdict. */
function feed(reader: FixedHeaderReader, bytes: Buffer, size: number): boolean {
  for (let at = 0; at < bytes.length; at += size) if (!reader.accept(bytes.subarray(at, at + size))) return false;
  return true;
}

describe('FixedHeaderReader (the MQTT packet size cap)', () => {
  it('the cap fits a frame of maxFrameBytes on the longest topic', () => {
    expect(packetCap(65_536)).toBe(65_536 + MQTT_OVERHEAD_BYTES);
  });

  it.each([1, 2, 3, 7, 1000])('follows packets of every length split into chunks of %i bytes', (size) => {
    const stream = Buffer.concat([packet(0), packet(1), packet(127), packet(128), packet(16_383), packet(16_384), packet(1000)]);
    expect(feed(new FixedHeaderReader(16_384), stream, size)).toBe(true);
  });

  it.each([1, 3, 1000])('refuses the packet one byte over the cap, after accepted ones (chunks of %i)', (size) => {
    const reader = new FixedHeaderReader(1000);
    expect(feed(reader, Buffer.concat([packet(1000), packet(10)]), size)).toBe(true);
    expect(feed(reader, packet(1001), size)).toBe(false);
    expect(reader.announced).toBeGreaterThan(1000);
  });

  it('refuses a length over the cap before its last length byte arrives', () => {
    const reader = new FixedHeaderReader(1000);
    // 0x30, then 0xff 0xff: already 16,383 after two continuation bytes.
    expect(reader.accept(Buffer.from([0x30, 0xff, 0xff]))).toBe(false);
  });

  it('refuses a remaining length of five bytes (malformed)', () => {
    expect(new FixedHeaderReader(Number.MAX_SAFE_INTEGER).accept(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(false);
  });
});
