import { SteadError } from '../../shared/errors.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';
import { NONCE_BYTES } from '../../shared/wire/frames.js';
import type { QueuePolicy } from '../apps/define-proxy.js';
import { NO_RESOURCES, type BlobStamp, type KeptAnswer, type ProxyRecord, type RecentBegin, type ResourceChannel, type SessionRecord } from './record.js';
import { channelKey } from './resource-channels.js';
import { earliestExpiry } from './resources.js';
import { SessionTable } from './session-table.js';

/**
 * Format 2 added the recent begin tokens; format 3 the session resources and the answers to
 * resource writes (DESIGN §6); format 4 keeps those answers per resource channel, with its mark.
 * Records of formats 1 to 3 still load (format 3's answers, kept by request digest, do not carry
 * over: such a record says it forgot channels). The times of the recent
 * begins came later, as the fourteenth element of a session, which older readers ignore (so no
 * new format); a record without them counts its tokens from the session's latest visit.
 */
const RECORD_FORMAT = 4;

/**
 * Encoded session tuples, reused while the session object lives: sessions are values, so a
 * changed session is a new object and a commit re-encodes only what changed — a proxy with many
 * sessions does not pay for all of them on every write.
 */
const encodedSessions = new WeakMap<SessionRecord, Uint8Array>();
/** Encoded bytes of each bucket of a session table (session-table.ts), for `recordBytes`. */
const bucketBytes = new WeakMap<object, number>();
/** Encoded timer lists and kept answers, reused while the record shares them. */
const encodedLists = new WeakMap<readonly unknown[], Uint8Array>();

/** `[6-array header, format]`: the record's fixed start. */
const RECORD_START = Uint8Array.of(0x86, RECORD_FORMAT);
/** The same with a seventh element, the blob stamp (docs/sessions.md, sealed session blobs). */
const STAMPED_RECORD_START = Uint8Array.of(0x87, RECORD_FORMAT);
/** An empty array: no timers, no kept answers. */
const NO_TIMERS = Uint8Array.of(0x80);
/** `[false, []]`: no channel kept, none forgotten. */
const NO_CHANNELS = Uint8Array.of(0x82, 0xf4, 0x80);
/** Encoded channel lists, reused while the table lives (it changes only with resource writes). */
const encodedChannels = new WeakMap<ReadonlyMap<string, ResourceChannel>, Uint8Array>();
/** The epoch of queues stored before epochs existed: stable, so devices do not start over. */
const FIRST_EPOCH = new Uint8Array(NONCE_BYTES);

/**
 * `[format, stateBytes, [session…], [timer…], nextTimerId, [[ref, answer]…], stamp?]`, sessions
 * spliced in pre-encoded; the blob stamp only where the type keeps blobs.
 */
export function encodeRecord(record: ProxyRecord): Uint8Array {
  const parts: Uint8Array[] = [RECORD_START, byteStringHeader(record.stateBytes.length), record.stateBytes, arrayHeader(record.sessions.size)];
  for (const [name, session] of record.sessions) parts.push(encodedSession(name, session));
  parts.push(...tail(record));
  if (record.blobStamp) parts[0] = STAMPED_RECORD_START;
  return Buffer.concat(parts);
}

/**
 * `encodeRecord(record).length`, without encoding the record: sessions are measured bucket by
 * bucket and each bucket's sum is kept, so after a change only the changed bucket is measured
 * again (its changed sessions encoded, as the commit that writes them needs anyway). The record
 * bound (limits.maxRecordBytes) is checked with it on every commit that grows a record.
 */
export function recordBytes(record: ProxyRecord): number {
  let total = RECORD_START.length + byteStringHeader(record.stateBytes.length).length + record.stateBytes.length;
  total += arrayHeader(record.sessions.size).length + record.sessions.sum(sessionBytes, bucketBytes);
  for (const part of tail(record)) total += part.length;
  return total;
}

/** What follows the sessions: timers, the next timer id, the resource channels, the blob stamp. */
function tail(record: ProxyRecord): Uint8Array[] {
  const stamp = record.blobStamp;
  const parts = [
    encodedList(record.timers, (t) => [t.id, t.at, t.method, t.args]),
    encodeValue(record.nextTimerId),
    channelsBytes(record),
  ];
  if (stamp) parts.push(encodeValue([stamp.generation, stamp.lineage, stamp.parent, stamp.base]));
  return parts;
}

function channelsBytes(record: ProxyRecord): Uint8Array {
  const channels = record.resourceChannels;
  const forgotten = record.channelsForgotten === true;
  if (!forgotten && (!channels || channels.size === 0)) return NO_CHANNELS;
  let list = channels && encodedChannels.get(channels);
  if (!list) {
    list = encodeValue([...(channels?.values() ?? [])].map((c) => [c.topic, c.ref, c.answered, c.since, [...c.answers].map(([seq, a]) => [seq, a.digest, a.bytes])]));
    if (channels) encodedChannels.set(channels, list);
  }
  // `[forgotten, list]`: the flag is the record's, the list may be shared by records that differ in it.
  return Buffer.concat([Uint8Array.of(0x82, forgotten ? 0xf5 : 0xf4), list]);
}

function encodedList<T>(list: readonly T[], tuple: (item: T) => unknown[]): Uint8Array {
  if (list.length === 0) return NO_TIMERS;
  let bytes = encodedLists.get(list);
  if (!bytes) {
    bytes = encodeValue(list.map(tuple));
    encodedLists.set(list, bytes);
  }
  return bytes;
}

const sessionBytes = (name: string, session: SessionRecord): number => encodedSession(name, session).length;

function encodedSession(name: string, s: SessionRecord): Uint8Array {
  let bytes = encodedSessions.get(s);
  if (!bytes) {
    const q = s.queue;
    bytes = encodeValue([
      name, s.nonce, s.endedNonce, s.beginToken, s.begunReply, s.lastSeq, [...s.replies], s.memento,
      [q.items.map((n) => [n.seq, n.payload, n.key]), q.lastSeq, q.acked, q.limit, q.policy, q.dropped, q.epoch],
      [s.visits.first, s.visits.previous, s.visits.latest, s.visits.info, s.visits.lastSeen],
      s.recentBegins.map((begin) => begin.token),
      [...s.resources].map(([key, r]) => [key, r.value, r.expiresAt, r.once]),
      // A thirteenth element only while the session is restored (record.ts) or holds begin times,
      // so other records keep their bytes; the begin times are the fourteenth.
      ...(s.restored || s.recentBegins.length > 0 ? [s.restored === true] : []),
      ...(s.recentBegins.length > 0 ? [s.recentBegins.map((begin) => begin.at)] : []),
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
    const [format, stateBytes, sessions, timers, nextTimerId, channels, stamp] = decodeValue(bytes) as Tuple;
    if (format !== 1 && format !== 2 && format !== 3 && format !== RECORD_FORMAT) throw new Error(`unknown record format ${String(format)}`);
    const decoded = SessionTable.from((sessions as Tuple[]).map((entry) => [entry[0] as string, decodeSession(entry)] as const));
    const record: ProxyRecord = {
      stateBytes: stateBytes as Uint8Array,
      sessions: decoded,
      timers: (timers as Tuple[]).map(([id, at, method, args]) => ({
        id: id as number, at: at as number, method: method as string, args: args as unknown[],
      })),
      nextTimerId: nextTimerId as number,
      // Formats 1 and 2 had no resources, so no answers either.
      ...(format === RECORD_FORMAT ? decodeChannels(channels as Tuple) : legacyAnswers(channels as Tuple[] | undefined)),
    };
    const stamped = stamp === undefined ? record : { ...record, blobStamp: decodeStamp(stamp as Tuple) };
    return { ...stamped, resourceExpiry: earliestExpiry(record) };
  } catch (cause) {
    throw new SteadError('STORE_FAILURE', 'stored proxy record does not decode', { cause });
  }
}

/** Tokens with their times; tokens stored without them count from the latest visit (the newest any of them can be). */
function decodeBegins(tokens: Uint8Array[], times: number[] | undefined, latest: number): RecentBegin[] {
  return tokens.map((token, i) => ({ token, at: times?.length === tokens.length ? (times[i] as number) : latest }));
}

function decodeChannels([forgotten, list]: Tuple): Pick<ProxyRecord, 'resourceChannels' | 'channelsForgotten'> {
  const channels = new Map<string, ResourceChannel>();
  for (const [topic, ref, answered, since, answers] of list as Tuple[]) {
    const kept = new Map((answers as Tuple[]).map(([seq, digest, bytes]): [number, KeptAnswer] => [seq as number, { digest: digest as Uint8Array, bytes: bytes as Uint8Array }]));
    channels.set(channelKey(topic as string, ref as Uint8Array), { topic: topic as string, ref: ref as Uint8Array, answered: answered as number, since: since as number, answers: kept });
  }
  return { ...(channels.size > 0 ? { resourceChannels: channels } : {}), ...(forgotten === true ? { channelsForgotten: true } : {}) };
}

/** Format 3 kept answers by request digest, not by channel: a record that had any forgot them. */
function legacyAnswers(answers: Tuple[] | undefined): Pick<ProxyRecord, 'channelsForgotten'> {
  return answers && answers.length > 0 ? { channelsForgotten: true } : {};
}

function decodeStamp([generation, lineage, parent, base]: Tuple): BlobStamp {
  return { generation: generation as number, lineage: lineage as Uint8Array, parent: parent as Uint8Array | null, base: base as number };
}

function decodeSession(entry: Tuple): SessionRecord {
  const [, nonce, endedNonce, beginToken, begunReply, lastSeq, replies, memento, queue, visits, recentBegins, resources, restored, beganAt] = entry;
  const [items, qLast, acked, limit, policy, dropped, epoch] = queue as Tuple;
  const [first, previous, latest, info, lastSeen] = visits as Tuple;
  return {
    nonce: nonce as Uint8Array | null,
    endedNonce: endedNonce as Uint8Array | null,
    beginToken: beginToken as Uint8Array | null,
    begunReply: begunReply as Uint8Array | null,
    // Format 1 kept only the current token.
    recentBegins: decodeBegins((recentBegins as Uint8Array[] | undefined) ?? (beginToken ? [beginToken as Uint8Array] : []), beganAt as number[] | undefined, latest as number),
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
    // Records from before lastSeen count from the latest visit.
    visits: { first: first as number, previous: previous as number, latest: latest as number, info, lastSeen: (lastSeen as number | undefined) ?? (latest as number) },
    // Formats 1 and 2 had no resources.
    resources: resources === undefined
      ? NO_RESOURCES
      : new Map((resources as Tuple[]).map(([key, value, expiresAt, once]) => [key as string, { value, expiresAt: expiresAt as number | null, once: once as boolean }])),
    ...(restored === true ? { restored: true } : null),
  };
}
