import { MqttFixedHeaderReader } from '../../shared/wire/mqtt-fixed-header.js';

/** MQTT control packet types the fault proxy tells apart (MQTT 3.1.1 §2.2.1, 5.0 §2.1.2). */
export const PacketType = { connect: 1, publish: 3 } as const;

export type PacketHandler = (type: number, packet: Buffer) => void;

/**
 * Cuts a TCP byte stream into whole MQTT control packets, at the boundaries their fixed headers
 * give (shared/wire/mqtt-fixed-header.ts). Nothing past the fixed header is decoded, so a packet
 * passes through byte for byte; a packet split across chunks waits for its tail. A stream that
 * breaks the framing (a fifth length byte) is reported once and the rest passed on unframed, so
 * a hostile peer cannot make the proxy buffer forever.
 */
export class MqttFramer {
  readonly #onPacket: PacketHandler;
  readonly #header = new MqttFixedHeaderReader();
  /** The bytes of the packet under way that came in earlier chunks (copies). */
  #pending: Buffer[] = [];
  #broken = false;

  constructor(onPacket: PacketHandler) {
    this.#onPacket = onPacket;
  }

  /** False once the stream broke the framing: later chunks come out as type 0, unframed. */
  get framing(): boolean {
    return !this.#broken;
  }

  push(chunk: Buffer): void {
    if (this.#broken) return this.#onPacket(0, chunk);
    const header = this.#header;
    let start = 0;
    for (let at = 0; at < chunk.length; ) {
      at = header.read(chunk, at);
      if (at < 0) {
        this.#broken = true;
        return this.#onPacket(0, this.#joined(chunk.subarray(start)));
      }
      if (header.ended) {
        this.#onPacket(header.type, this.#joined(chunk.subarray(start, at)));
        start = at;
      }
    }
    // Keep the tail only: a copy, so the chunk it came from can be collected.
    if (start < chunk.length) this.#pending.push(Buffer.from(chunk.subarray(start)));
  }

  /** `last` after the pending bytes of its packet, which are then let go. */
  #joined(last: Buffer): Buffer {
    if (this.#pending.length === 0) return last;
    const whole = Buffer.concat([...this.#pending, last]);
    this.#pending = [];
    return whole;
  }
}

/**
 * The client identifier of a CONNECT packet (MQTT 3.1.1 §3.1.3.1, 5.0 §3.1.3.1), or null when the
 * packet is too short to hold one. Only the fixed fields before it are walked.
 */
export function connectClientId(packet: Buffer): string | null {
  let at = 1;
  while (at < packet.length && ((packet[at] ?? 0) & 0x80) !== 0) at++;
  at++;
  if (at + 2 > packet.length) return null;
  const nameLength = packet.readUInt16BE(at);
  at += 2 + nameLength;
  const level = packet[at];
  // Protocol level, connect flags, keep alive.
  at += 1 + 1 + 2;
  if (level === 5) {
    // MQTT 5 puts the CONNECT properties (a varint length, then the properties) before the payload.
    let propertiesLength = 0;
    for (let shift = 0; at < packet.length; shift += 7) {
      const byte = packet[at++] ?? 0;
      propertiesLength += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    at += propertiesLength;
  }
  if (at + 2 > packet.length) return null;
  const idLength = packet.readUInt16BE(at);
  if (at + 2 + idLength > packet.length) return null;
  return packet.toString('utf8', at + 2, at + 2 + idLength);
}
