import type { Duplex } from 'node:stream';

export interface PendingLimits {
  /** Connections not yet authenticated, over every listener. */
  readonly maxPending: number;
  /** Connections not yet authenticated from one peer address. */
  readonly maxPendingPerAddress: number;
}

/**
 * The connections that have not authenticated yet (DESIGN §7: nothing unauthenticated holds
 * memory or descriptors beyond a small bound). A connection over either cap is closed at once,
 * before MQTT reads a byte of it; one that authenticates (aedes registers its client) or closes
 * leaves the count. With aedes' connect timeout this bounds what silent sockets can hold.
 */
export class PendingConnections {
  readonly #limits: PendingLimits;
  readonly #count: (event: string) => void;
  readonly #pending = new Map<Duplex, string>();
  readonly #byAddress = new Map<string, number>();

  constructor(limits: PendingLimits, count: (event: string) => void) {
    this.#limits = limits;
    this.#count = count;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Takes a new connection; false (the caller closes it, counted) when a cap is reached. */
  admit(stream: Duplex, address: string): boolean {
    const fromAddress = this.#byAddress.get(address) ?? 0;
    if (this.#pending.size >= this.#limits.maxPending) return this.#refuse('auth.refused.pending');
    if (fromAddress >= this.#limits.maxPendingPerAddress) return this.#refuse('auth.refused.pending_address');
    this.#pending.set(stream, address);
    this.#byAddress.set(address, fromAddress + 1);
    stream.once('close', () => {
      // Closed before it authenticated: timed out, refused, or gone.
      if (this.#settle(stream)) this.#count('dropped.unauthenticated');
    });
    return true;
  }

  /** The connection authenticated: it no longer counts. */
  authenticated(stream: Duplex): void {
    this.#settle(stream);
  }

  #settle(stream: Duplex): boolean {
    const address = this.#pending.get(stream);
    if (address === undefined) return false;
    this.#pending.delete(stream);
    const left = (this.#byAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#byAddress.set(address, left);
    else this.#byAddress.delete(address);
    return true;
  }

  #refuse(event: string): false {
    this.#count(event);
    return false;
  }
}
