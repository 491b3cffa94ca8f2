/**
 * The MQTT packet size cap (DESIGN §5 limits, hostile input). aedes hands each connection to
 * mqtt-packet's parser, which buffers a packet until its whole remaining length has arrived and
 * takes no size limit: a client announcing a 256 MB PUBLISH would make the broker hold 256 MB.
 * This guard sits between a listener's stream and aedes. It follows the packets by their fixed
 * headers alone (shared/wire/mqtt-fixed-header.ts), so the bytes pass through by reference, never
 * copied; a remaining length above the cap closes the connection as soon as its length bytes
 * arrive, before any of the body is buffered. MQTT 3.1.1 has no "packet too large" reason code:
 * closing is the answer.
 */
import { Duplex } from 'node:stream';
import { MqttFixedHeaderReader } from '../../shared/wire/mqtt-fixed-header.js';

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

/**
 * A listener's connection as aedes sees it: the same bytes both ways, checked on the way in.
 * Reads pass the source's chunks on by reference with its backpressure; writes go to the source
 * corked together, as mqtt-packet writes a packet in parts.
 */
export class PacketSizeGuard extends Duplex {
  readonly #source: Duplex;
  readonly #reader: MqttFixedHeaderReader;
  readonly #onOversize: OversizeListener;
  #pendingWrite: ((error?: Error | null) => void) | null = null;

  constructor(source: Duplex, cap: number, onOversize: OversizeListener) {
    super({ allowHalfOpen: false });
    this.#source = source;
    this.#reader = new MqttFixedHeaderReader(cap);
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
