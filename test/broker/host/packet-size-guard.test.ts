import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MQTT_OVERHEAD_BYTES, PacketSizeGuard, packetCap } from '../../../broker/host/packet-size-guard.js';

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

/** A guard over an in-memory stream: what it passed on, and what it reported as oversize. */
function guarded(cap: number): { source: PassThrough; passed: Buffer[]; oversize: number[]; guard: PacketSizeGuard } {
  const source = new PassThrough();
  const passed: Buffer[] = [];
  const oversize: number[] = [];
  const guard = new PacketSizeGuard(source, cap, (announced) => oversize.push(announced));
  guard.on('data', (chunk: Buffer) => passed.push(chunk));
  guard.on('error', () => undefined);
  return { source, passed, oversize, guard };
}

describe('the MQTT packet size cap', () => {
  it('the cap fits a frame of maxFrameBytes on the longest topic', () => {
    expect(packetCap(65_536)).toBe(65_536 + MQTT_OVERHEAD_BYTES);
  });

  it('passes packets up to the cap through as they came, and closes at the first one over it', async () => {
    const { source, passed, oversize, guard } = guarded(1000);
    const fits = Buffer.concat([packet(1000), packet(10)]);
    source.write(fits);
    source.write(packet(1001));
    await new Promise((resolve) => guard.once('close', resolve));
    expect(Buffer.concat(passed)).toEqual(fits);
    expect(oversize).toHaveLength(1);
    expect(oversize[0]).toBeGreaterThan(1000);
    expect(source.destroyed).toBe(true);
  });
});
