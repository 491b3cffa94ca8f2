import { SteadError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';
import type { QueuePolicy, QueuedNotification } from './define-proxy.js';

/**
 * A proxy's atomic record (DESIGN §4): its state and, per logical session, the bookkeeping the
 * session protocol needs. The whole record is written in one atomic store write.
 */
export interface ProxyRecord {
  /** The last committed state, encoded; the live state object is decoded from it on rollback. */
  stateBytes: Uint8Array;
  sessions: Map<string, SessionRecord>;
  timers: DurableTimer[];
  /** Counter for timer ids, so each timer is fired and removed once. */
  nextTimerId: number;
}

export interface SessionRecord {
  nonce: Uint8Array | null;
  /** The nonce of the instance that ended last: a repeated end of it is harmless (rule 8). */
  endedNonce: Uint8Array | null;
  /** The token of the last begin, so a repeated begin gets the same answer. */
  beginToken: Uint8Array | null;
  begunReply: Uint8Array | null;
  lastSeq: number;
  /** seq → encoded reply or error frame (the reply cache, rule 3). */
  replies: Map<number, Uint8Array>;
  memento: unknown;
  queue: NotificationQueue;
  visits: Visits;
}

export interface NotificationQueue {
  items: QueuedNotification[];
  /** Seq of the last queued notification; the next one gets lastSeq + 1. */
  lastSeq: number;
  acked: number;
  limit: number;
  policy: QueuePolicy;
  dropped: number;
}

export interface Visits {
  first: number;
  previous: number;
  latest: number;
  info: unknown;
}

export interface DurableTimer {
  id: number;
  at: number;
  method: string;
  args: unknown[];
}

export function newSession(now: number): SessionRecord {
  return {
    nonce: null,
    endedNonce: null,
    beginToken: null,
    begunReply: null,
    lastSeq: 0,
    replies: new Map(),
    memento: null,
    queue: { items: [], lastSeq: 0, acked: 0, limit: LIMITS.defaultQueueLength, policy: 'drop-oldest', dropped: 0 },
    visits: { first: now, previous: 0, latest: now, info: null },
  };
}

/** Earliest durable timer, so the store can wake the proxy after a restart. */
export function wakeAt(record: ProxyRecord): number | null {
  let earliest: number | null = null;
  for (const timer of record.timers) if (earliest === null || timer.at < earliest) earliest = timer.at;
  return earliest;
}

const RECORD_FORMAT = 1;

export function encodeRecord(record: ProxyRecord): Uint8Array {
  const sessions: unknown[] = [];
  for (const [name, s] of record.sessions) {
    const q = s.queue;
    sessions.push([
      name, s.nonce, s.endedNonce, s.beginToken, s.begunReply, s.lastSeq, [...s.replies], s.memento,
      [q.items.map((n) => [n.seq, n.payload, n.key]), q.lastSeq, q.acked, q.limit, q.policy, q.dropped],
      [s.visits.first, s.visits.previous, s.visits.latest, s.visits.info],
    ]);
  }
  const timers = record.timers.map((t) => [t.id, t.at, t.method, t.args]);
  return encodeValue([RECORD_FORMAT, record.stateBytes, sessions, timers, record.nextTimerId]);
}

type Tuple = unknown[];

export function decodeRecord(bytes: Uint8Array): ProxyRecord {
  try {
    const [format, stateBytes, sessions, timers, nextTimerId] = decodeValue(bytes) as Tuple;
    if (format !== RECORD_FORMAT) throw new Error(`unknown record format ${String(format)}`);
    const record: ProxyRecord = {
      stateBytes: stateBytes as Uint8Array,
      sessions: new Map(),
      timers: (timers as Tuple[]).map(([id, at, method, args]) => ({
        id: id as number, at: at as number, method: method as string, args: args as unknown[],
      })),
      nextTimerId: nextTimerId as number,
    };
    for (const entry of sessions as Tuple[]) {
      const [name, nonce, endedNonce, beginToken, begunReply, lastSeq, replies, memento, queue, visits] = entry;
      const [items, qLast, acked, limit, policy, dropped] = queue as Tuple;
      const [first, previous, latest, info] = visits as Tuple;
      record.sessions.set(name as string, {
        nonce: nonce as Uint8Array | null,
        endedNonce: endedNonce as Uint8Array | null,
        beginToken: beginToken as Uint8Array | null,
        begunReply: begunReply as Uint8Array | null,
        lastSeq: lastSeq as number,
        replies: new Map(replies as [number, Uint8Array][]),
        memento,
        queue: {
          items: (items as Tuple[]).map(([seq, payload, key]) => ({ seq: seq as number, payload, key: key as string | null })),
          lastSeq: qLast as number,
          acked: acked as number,
          limit: limit as number,
          policy: policy as QueuePolicy,
          dropped: dropped as number,
        },
        visits: { first: first as number, previous: previous as number, latest: latest as number, info },
      });
    }
    return record;
  } catch (cause) {
    throw new SteadError('STORE_FAILURE', 'stored proxy record does not decode', { cause });
  }
}
