import type { Socket } from 'node:net';
import { MqttFramer, PacketType } from './mqtt-framer.js';
import { NO_FAULTS, type ResolvedFaults } from './fault-settings.js';
import type { Fraction } from './seeded-random.js';

/** What the fault proxy did, over all its connections. */
export interface FaultCounts {
  connections: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  cuts: number;
}

export function emptyFaultCounts(): FaultCounts {
  return { connections: 0, dropped: 0, duplicated: 0, delayed: 0, cuts: 0 };
}

/** The DUP flag of a PUBLISH's fixed header [MQTT-3.3.1-1]; only set on QoS 1 and 2 [MQTT-3.3.1-2]. */
const DUP = 0x08;
const QOS_BITS = 0x06;

interface Held {
  at: number;
  packet: Buffer;
}

/**
 * One direction of a proxied connection: whole MQTT packets in, faults applied, packets out in
 * order. Dropping and duplicating touch only PUBLISH packets (a lost CONNACK or PUBACK is a cut's
 * business, not a packet fault); a delay holds every packet, so order is kept as TCP keeps it.
 */
export class FaultPipe {
  readonly #to: Socket;
  readonly #counts: FaultCounts;
  readonly #framer: MqttFramer;
  readonly #held: Held[] = [];
  #faults: ResolvedFaults = NO_FAULTS;
  #fraction: Fraction = () => 1;
  #releaseAt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Called with the first packet (the CONNECT, upstream) before it is passed on. */
  #onFirst: ((type: number, packet: Buffer) => void) | null;

  constructor(to: Socket, counts: FaultCounts, onFirst: ((type: number, packet: Buffer) => void) | null = null) {
    this.#to = to;
    this.#counts = counts;
    this.#onFirst = onFirst;
    this.#framer = new MqttFramer((type, packet) => this.#onPacket(type, packet));
  }

  configure(faults: ResolvedFaults, fraction: Fraction): void {
    this.#faults = faults;
    this.#fraction = fraction;
  }

  push(chunk: Buffer): void {
    this.#to.cork();
    this.#framer.push(chunk);
    this.#to.uncork();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#held.length = 0;
  }

  #onPacket(type: number, packet: Buffer): void {
    if (this.#onFirst) {
      const onFirst = this.#onFirst;
      this.#onFirst = null;
      onFirst(type, packet);
    }
    if (type === PacketType.publish) {
      if (this.#faults.drop > 0 && this.#fraction() < this.#faults.drop) {
        this.#counts.dropped++;
        return;
      }
      if (this.#faults.duplicate > 0 && this.#fraction() < this.#faults.duplicate) {
        this.#counts.duplicated++;
        this.#send(packet);
        return this.#send(duplicateOf(packet));
      }
    }
    this.#send(packet);
  }

  #send(packet: Buffer): void {
    const { delayMin, delayMax } = this.#faults;
    if (delayMax === 0 && this.#held.length === 0) {
      if (!this.#to.destroyed) this.#to.write(packet);
      return;
    }
    // A packet never overtakes the one before it: TCP keeps order, and so does this proxy.
    const delay = delayMin + (delayMax - delayMin) * this.#fraction();
    this.#releaseAt = Math.max(this.#releaseAt, Date.now() + delay);
    this.#held.push({ at: this.#releaseAt, packet: Buffer.from(packet) });
    this.#counts.delayed++;
    if (!this.#timer) this.#arm();
  }

  #arm(): void {
    const next = this.#held[0];
    this.#timer = next ? setTimeout(() => this.#release(), Math.max(0, next.at - Date.now())) : null;
  }

  #release(): void {
    const now = Date.now();
    let count = 0;
    while (count < this.#held.length && (this.#held[count]?.at ?? Infinity) <= now) count++;
    const due = this.#held.splice(0, count);
    if (!this.#to.destroyed) {
      this.#to.cork();
      for (const { packet } of due) this.#to.write(packet);
      this.#to.uncork();
    }
    this.#arm();
  }
}

function duplicateOf(packet: Buffer): Buffer {
  const copy = Buffer.from(packet);
  if (((copy[0] ?? 0) & QOS_BITS) !== 0) copy[0] = (copy[0] ?? 0) | DUP;
  return copy;
}
