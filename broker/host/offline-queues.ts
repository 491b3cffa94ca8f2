import memoryPersistence from 'aedes-persistence';

export interface OfflineQueueOptions {
  /** Whether a message on `topic` may be held for `clientId` (its read access, auth-hooks.ts). */
  readonly mayQueue: (clientId: string, topic: string) => boolean;
  /** Messages held per client at most. */
  readonly maxMessages: number;
  /** Payload and topic bytes held per client at most. */
  readonly maxBytes: number;
  readonly count: (event: string) => void;
}

/** The part of a queued packet this module reads. */
interface QueuedPacket {
  readonly topic: string;
  readonly payload: Buffer | string;
}

/** The outgoing-queue half of aedes' persistence, in the promise form aedes 1 calls. */
interface OutgoingQueues {
  outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<QueuedPacket | undefined>;
}

interface Held {
  messages: number;
  bytes: number;
}

/**
 * aedes' in-memory persistence with its outgoing queues bounded (DESIGN §7). aedes keeps a copy
 * of every QoS 1 message for each clean-session-false subscriber, offline ones included, and
 * checks read access only when it delivers: a client subscribed to `#` that went away would
 * hold every request and reply. Here a message is queued only for a client that may read it,
 * and each client's queue holds at most `maxMessages` and `maxBytes`; past that new messages
 * are not queued for it (counted `dropped.offline_queue`; MQTT 3.1.1 lets a broker drop
 * messages it cannot hold). The other parts of the persistence are aedes' own.
 */
export function boundedPersistence(options: OfflineQueueOptions): object {
  // The package is CommonJS whose types declare an ES default export: called as what it is, a factory.
  const persistence = (memoryPersistence as unknown as () => OutgoingQueues & object)();
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  const clear = persistence.outgoingClearMessageId.bind(persistence);
  const held = new Map<string, Held>();

  const admit = (clientId: string, packet: QueuedPacket): boolean => {
    if (!options.mayQueue(clientId, packet.topic)) {
      options.count('auth.refused.offline_queue');
      return false;
    }
    const size = sizeOf(packet);
    const queue = held.get(clientId) ?? { messages: 0, bytes: 0 };
    if (queue.messages >= options.maxMessages || queue.bytes + size > options.maxBytes) {
      options.count('dropped.offline_queue');
      return false;
    }
    queue.messages++;
    queue.bytes += size;
    held.set(clientId, queue);
    return true;
  };

  // Own properties over the prototype's methods: aedes calls these through `broker.persistence`.
  persistence.outgoingEnqueue = (sub, packet) => (admit(sub.clientId, packet) ? enqueue([sub], packet) : Promise.resolve());
  persistence.outgoingEnqueueCombi = (subs, packet) => {
    const admitted = subs.filter((sub) => admit(sub.clientId, packet));
    return admitted.length > 0 ? enqueue(admitted, packet) : Promise.resolve();
  };
  persistence.outgoingClearMessageId = async (client, packet) => {
    const cleared = await clear(client, packet);
    const queue = held.get(client.id);
    if (cleared && queue) {
      queue.messages--;
      queue.bytes -= sizeOf(cleared);
      if (queue.messages <= 0) held.delete(client.id);
    }
    return cleared;
  };
  return persistence;
}

function sizeOf(packet: QueuedPacket): number {
  return Buffer.byteLength(packet.topic) + (typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length);
}
