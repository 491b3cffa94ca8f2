import { SteadError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { systemRandom } from '../../shared/random.js';
import { NONCE_BYTES } from '../../shared/wire/frames.js';
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
  /**
   * The queue's incarnation, random bytes made with the queue. Seqs count within an epoch: a
   * queue made anew (its record lost) has another epoch, and devices that see it start over
   * instead of taking its seqs for ones they already handled (docs/sessions.md). Whoever puts
   * back an older copy of a record must give its queues a new epoch too.
   */
  epoch: Uint8Array;
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
    queue: { epoch: newEpoch(), items: [], lastSeq: 0, acked: 0, limit: LIMITS.defaultQueueLength, policy: 'drop-oldest', dropped: 0 },
    visits: { first: now, previous: 0, latest: now, info: null },
  };
}

/** A fresh queue epoch. */
export function newEpoch(): Uint8Array {
  return systemRandom.nonce();
}

/** The epoch of queues stored before epochs existed: stable, so devices do not start over. */
const FIRST_EPOCH = new Uint8Array(NONCE_BYTES);

/** Keeps replies the device may still ask for: above `answered`, at most `size` of them. */
export function trimReplies(replies: Map<number, Uint8Array>, answered: number, size: number): void {
  for (const seq of replies.keys()) {
    if (seq <= answered || replies.size > size) replies.delete(seq);
    else break;
  }
}

/** Earliest durable timer, so the store can wake the proxy after a restart. */
export function wakeAt(record: ProxyRecord): number | null {
  let earliest: number | null = null;
  for (const timer of record.timers) if (earliest === null || timer.at < earliest) earliest = timer.at;
  return earliest;
}

const RECORD_FORMAT = 1;

/**
 * Encoded session tuples, reused until the session changes: a commit re-encodes only what it
 * touched, so a proxy with many sessions does not pay for all of them on every write.
 */
const encodedSessions = new WeakMap<SessionRecord, Uint8Array>();

/** Must be called for every session a message or an effect may change, before the next commit. */
export function touchSession(session: SessionRecord): void {
  encodedSessions.delete(session);
}

/** `[5-array header, format 1]`: the record's fixed start. */
const RECORD_START = Uint8Array.of(0x85, RECORD_FORMAT);
const NO_TIMERS = Uint8Array.of(0x80);

/** `[format, stateBytes, [session…], [timer…], nextTimerId]`, sessions spliced in pre-encoded. */
export function encodeRecord(record: ProxyRecord): Uint8Array {
  const parts: Uint8Array[] = [RECORD_START, byteStringHeader(record.stateBytes.length), record.stateBytes, arrayHeader(record.sessions.size)];
  for (const [name, session] of record.sessions) parts.push(encodedSession(name, session));
  parts.push(
    record.timers.length === 0 ? NO_TIMERS : encodeValue(record.timers.map((t) => [t.id, t.at, t.method, t.args])),
    encodeValue(record.nextTimerId),
  );
  return Buffer.concat(parts);
}

function encodedSession(name: string, s: SessionRecord): Uint8Array {
  let bytes = encodedSessions.get(s);
  if (!bytes) {
    const q = s.queue;
    bytes = encodeValue([
      name, s.nonce, s.endedNonce, s.beginToken, s.begunReply, s.lastSeq, [...s.replies], s.memento,
      [q.items.map((n) => [n.seq, n.payload, n.key]), q.lastSeq, q.acked, q.limit, q.policy, q.dropped, q.epoch],
      [s.visits.first, s.visits.previous, s.visits.latest, s.visits.info],
    ]);
    encodedSessions.set(s, bytes);
  }
  return bytes;
}

/** CBOR header of major type 4 (array of `length` items). */
function arrayHeader(length: number): Uint8Array {
  return header(0x80, length);
}

/** CBOR header of major type 2 (byte string of `length` bytes). */
function byteStringHeader(length: number): Uint8Array {
  return header(0x40, length);
}

function header(major: number, length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(major + length);
  if (length < 0x100) return Uint8Array.of(major + 24, length);
  if (length < 0x10000) return Uint8Array.of(major + 25, length >> 8, length & 0xff);
  return Uint8Array.of(major + 26, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
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
      const [items, qLast, acked, limit, policy, dropped, epoch] = queue as Tuple;
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
          epoch: epoch instanceof Uint8Array ? Uint8Array.from(epoch) : FIRST_EPOCH,
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
