/**
 * The boundaries of MQTT control packets in a byte stream, from their fixed headers alone: a type
 * byte, then a Remaining Length of one to four bytes of seven bits each, low group first, the
 * high bit saying another follows [MQTT-2.2.3]; then that many bytes. Nothing past the fixed
 * header is decoded: a body is skipped by arithmetic, so the work is per packet, not per byte,
 * and the bytes are never copied. Used where Stead must see packets before (or instead of) an
 * MQTT parser: the broker's packet size cap and the simulator's fault proxy.
 */

/** The largest Remaining Length four bytes can say (0xff 0xff 0xff 0x7f). */
export const MAX_REMAINING_LENGTH = 268_435_455;
/** `read`'s answer when a packet announces more than the reader's cap. */
export const TOO_LARGE = -1;
/** `read`'s answer when a Remaining Length has a fifth byte: the stream has no boundaries left. */
export const MALFORMED = -2;

/** A Remaining Length is at most four bytes [MQTT-2.2.3]. */
const MAX_LENGTH_BYTES = 4;
/** `#lengthBytes` while the next byte is a packet's type byte. */
const AT_TYPE = -1;

/**
 * Follows the packets of one stream across its chunks. Stable shape, no allocation: feed each
 * chunk to `read` until it is used up (`accept` does that when only the verdict matters).
 */
export class MqttFixedHeaderReader {
  readonly #cap: number;
  /** Body bytes of the current packet still to skip. */
  #skip = 0;
  #lengthBytes = AT_TYPE;
  #length = 0;
  #multiplier = 1;
  #type = 0;
  #ended = false;
  /** TOO_LARGE or MALFORMED once the stream broke the rules; 0 before. */
  #failure = 0;

  /** `cap`: the largest Remaining Length accepted; a packet announcing more fails the stream. */
  constructor(cap: number = MAX_REMAINING_LENGTH) {
    this.#cap = cap;
  }

  /** The control packet type (the type byte's high four bits) of the packet being read, or just ended. */
  get type(): number {
    return this.#type;
  }

  /** The Remaining Length announced so far by the packet being read (a lower bound until its last byte). */
  get announced(): number {
    return this.#length;
  }

  /** Whether the last `read` stopped at the end of a packet (rather than at the end of the chunk). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Reads `chunk` from `at` until the packet under way ends or the chunk does, and returns where
   * it stopped (`ended` tells which); TOO_LARGE or MALFORMED once the stream broke the rules,
   * then always. A length over the cap fails as soon as its sum so far is over, before its last
   * byte arrives.
   */
  read(chunk: Uint8Array, at: number): number {
    this.#ended = false;
    if (this.#failure !== 0) return this.#failure;
    const end = chunk.length;
    while (at < end) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, end - at);
        this.#skip -= take;
        at += take;
        if (this.#skip === 0) return this.#end(at);
        continue;
      }
      const byte = chunk[at++] as number;
      if (this.#lengthBytes === AT_TYPE) {
        this.#type = byte >> 4;
        this.#lengthBytes = 0;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes++;
      if (this.#length > this.#cap) return (this.#failure = TOO_LARGE);
      if (byte & 0x80) {
        if (this.#lengthBytes === MAX_LENGTH_BYTES) return (this.#failure = MALFORMED);
        continue;
      }
      if (this.#length === 0) return this.#end(at);
      this.#skip = this.#length;
    }
    return at;
  }

  /** Reads a whole chunk: false once a packet announced more than the cap or a malformed length. */
  accept(chunk: Uint8Array): boolean {
    const end = chunk.length;
    for (let at = 0; at < end; ) {
      at = this.read(chunk, at);
      if (at < 0) return false;
    }
    return this.#failure === 0;
  }

  #end(at: number): number {
    this.#lengthBytes = AT_TYPE;
    this.#ended = true;
    return at;
  }
}
