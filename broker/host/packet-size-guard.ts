/**
 * The MQTT packet size cap (issue 8, hostile input; DESIGN §5 limits). aedes hands each
 * connection to mqtt-packet's parser, which buffers a packet until its whole remaining length
 * has arrived and takes no size limit: a client announcing a 256 MB PUBLISH would make the broker
 * hold 256 MB. This guard sits between a listener's stream and aedes. It reads only the fixed
 * headers (a type byte and a remaining length of 1–4 bytes) and skips each packet's body by
 * arithmetic, so the bytes pass through by reference, never copied; a remaining length above the
 * cap closes the connection as soon as its length bytes arrive, before any of the body is
 * buffered. MQTT 3.1.1 has no "packet too large" reason code: closing is the answer.
 */
import { Duplex } from 'node:stream';

/**
 * Bytes a PUBLISH carries around its payload at most: the topic's length prefix (2), the longest
 * topic MQTT allows (65,535) and a packet id (2). A payload of `maxFrameBytes` on any topic fits.
 */
export const MQTT_OVERHEAD_BYTES = 2 + 65_535 + 2;

/** The remaining-length cap for frames of `maxFrameBytes`. */
export function packetCap(maxFrameBytes: number): number {
  return maxFrameBytes + MQTT_OVERHEAD_BYTES;
}

/** A fixed header is a type byte and a remaining length of at most four bytes [MQTT-2.2.3]. */
export const MQTT_FIXED_HEADER_BYTES = 5;

/** Told once per connection closed for size: the bytes it announced (a lower bound). */
export type OversizeListener = (announced: number) => void;

/** A remaining length is at most four bytes of seven bits [MQTT-2.2.3]. */
const MAX_LENGTH_BYTES = 4;
/** `#lengthBytes` while the next byte is a packet's type byte. */
const AT_TYPE = -1;

/**
 * Follows the packet boundaries of one MQTT byte stream. Stable shape, no allocation per chunk:
 * a body is skipped by subtracting its length, so the work is per packet, not per byte.
 */
export class FixedHeaderReader {
  readonly #cap: number;
  /** Body bytes of the current packet still to skip. */
  #skip = 0;
  #lengthBytes = AT_TYPE;
  #length = 0;
  #multiplier = 1;

  constructor(cap: number) {
    this.#cap = cap;
  }

  /** The remaining length announced so far by the packet being read. */
  get announced(): number {
    return this.#length;
  }

  /** Reads a chunk; false as soon as a packet announces more than the cap (or a malformed length). */
  accept(chunk: Uint8Array): boolean {
    const end = chunk.length;
    let at = 0;
    while (at < end) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, end - at);
        this.#skip -= take;
        at += take;
        continue;
      }
      const byte = chunk[at++] as number;
      if (this.#lengthBytes === AT_TYPE) {
        this.#lengthBytes = 0;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      // The sum so far is a lower bound of the length: refuse before the last length byte if it is already over.
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes++;
      if (this.#length > this.#cap) return false;
      if (byte & 0x80) {
        if (this.#lengthBytes === MAX_LENGTH_BYTES) return false;
        continue;
      }
      this.#skip = this.#length;
      this.#lengthBytes = AT_TYPE;
    }
    return true;
  }
}

/**
 * A listener's connection as aedes sees it: the same bytes both ways, checked on the way in.
 * Reads pass the source's chunks on by reference with its backpressure; writes go to the source
 * corked together, as mqtt-packet writes a packet in parts.
 */
export class PacketSizeGuard extends Duplex {
  readonly #source: Duplex;
  readonly #reader: FixedHeaderReader;
  readonly #onOversize: OversizeListener;
  #pendingWrite: ((error?: Error | null) => void) | null = null;

  constructor(source: Duplex, cap: number, onOversize: OversizeListener) {
    super({ allowHalfOpen: false });
    this.#source = source;
    this.#reader = new FixedHeaderReader(cap);
    this.#onOversize = onOversize;
    source.on('data', (chunk: Buffer) => this.#data(chunk));
    source.on('end', () => this.push(null));
    source.on('drain', () => this.#drained());
    source.on('error', (error) => this.destroy(error));
    source.on('close', () => this.destroy());
  }

  #data(chunk: Buffer): void {
    if (this.destroyed) return;
    if (!this.#reader.accept(chunk)) {
      this.#onOversize(this.#reader.announced);
      this.destroy();
      return;
    }
    if (!this.push(chunk)) this.#source.pause();
  }

  override _read(): void {
    this.#source.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#settle(this.#source.write(chunk, encoding), callback);
  }

  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], callback: (error?: Error | null) => void): void {
    const source = this.#source;
    source.cork();
    let room = true;
    for (const { chunk, encoding } of chunks) room = source.write(chunk, encoding);
    source.uncork();
    this.#settle(room, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#source.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#source.destroy();
    this.#drained();
    callback(error);
  }

  /** A write is done when the source takes more: at once, or at its next drain. */
  #settle(room: boolean, callback: (error?: Error | null) => void): void {
    if (room) callback();
    else this.#pendingWrite = callback;
  }

  #drained(): void {
    const callback = this.#pendingWrite;
    this.#pendingWrite = null;
    callback?.();
  }
}
