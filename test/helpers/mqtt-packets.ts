/**
 * Just enough MQTT framing to spot a packet in a TCP chunk (for TcpProxy interceptors): walks the
 * fixed headers of the packets a chunk starts with. A packet split across chunks is not seen past
 * its first chunk, which is fine for the small frames tests cut on.
 */
export const PacketType = { publish: 3, subscribe: 8 } as const;

export interface PacketHead {
  type: number;
  /** The topic of a PUBLISH. */
  topic: string | null;
}

/** The packets that start in this chunk. */
export function packetHeads(chunk: Buffer): PacketHead[] {
  const heads: PacketHead[] = [];
  let at = 0;
  while (at < chunk.length) {
    const type = (chunk[at] ?? 0) >> 4;
    // Remaining length: a varint of up to four bytes.
    let length = 0;
    let i = at + 1;
    for (let shift = 0; i < chunk.length && i < at + 5; i++, shift += 7) {
      const byte = chunk[i] ?? 0;
      length += (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    const body = i + 1;
    let topic: string | null = null;
    if (type === PacketType.publish && body + 2 <= chunk.length) {
      topic = chunk.toString('utf8', body + 2, Math.min(chunk.length, body + 2 + chunk.readUInt16BE(body)));
    }
    heads.push({ type, topic });
    at = body + length;
  }
  return heads;
}

/** True when a PUBLISH starts in this chunk (on a topic the predicate accepts, if one is given). */
export function hasPublish(chunk: Buffer, topic: (topic: string) => boolean = () => true): boolean {
  return packetHeads(chunk).some((p) => p.type === PacketType.publish && p.topic !== null && topic(p.topic));
}

/** True when a packet of this type starts in this chunk. */
export function hasPacket(chunk: Buffer, type: number): boolean {
  return packetHeads(chunk).some((p) => p.type === type);
}
