/** MQTT control packet types the fault proxy tells apart (MQTT 3.1.1 §2.2.1, 5.0 §2.1.2). */
export const PacketType = { connect: 1, publish: 3 } as const;

export type PacketHandler = (type: number, packet: Buffer) => void;

/**
 * Cuts a TCP byte stream into whole MQTT control packets: the fixed header's first byte, the
 * Remaining Length varint (1 to 4 bytes, [MQTT-2.2.3]), then that many bytes. Nothing past the
 * fixed header is decoded, so a packet passes through byte for byte; a packet split across
 * chunks waits for its tail. A stream that breaks the framing (a fifth length byte) is reported
 * once and the rest passed on unframed, so a hostile peer cannot make the proxy buffer forever.
 */
export class MqttFramer {
  readonly #onPacket: PacketHandler;
  #pending: Buffer | null = null;
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
    const bytes = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    let at = 0;
    while (at < bytes.length) {
      const size = packetSize(bytes, at);
      if (size === BROKEN) {
        this.#broken = true;
        return this.#onPacket(0, bytes.subarray(at));
      }
      if (size === INCOMPLETE || at + size > bytes.length) break;
      this.#onPacket((bytes[at] ?? 0) >> 4, bytes.subarray(at, at + size));
      at += size;
    }
    // Keep the tail only: a copy, so the chunk it came from can be collected.
    if (at < bytes.length) this.#pending = Buffer.from(bytes.subarray(at));
  }
}

const INCOMPLETE = -1;
const BROKEN = -2;

/** The whole size of the packet starting at `at`, or INCOMPLETE / BROKEN. */
function packetSize(bytes: Buffer, at: number): number {
  let length = 0;
  for (let i = 1; i <= 4; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) return INCOMPLETE;
    length += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) return 1 + i + length;
  }
  return BROKEN;
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
