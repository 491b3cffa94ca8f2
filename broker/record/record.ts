import type { Limits } from '../../shared/limits.js';
import { SteadError } from '../../shared/errors.js';
import { systemRandom } from '../../shared/random.js';
import type { QueuePolicy, QueuedNotification } from '../apps/define-proxy.js';
import { SessionTable } from './session-table.js';

/**
 * A proxy's atomic record (DESIGN §4): its state and, per logical session, the bookkeeping the
 * session protocol needs. The whole record is written in one atomic store write.
 *
 * Records are values: nothing changes a record or a session in place. A change builds a new
 * record (sharing what did not change), which becomes the proxy's record only once it is built
 * and encoded; a failure anywhere before that leaves the proxy's record as it was.
 */
export interface ProxyRecord {
  /** The last committed state, encoded; each transaction decodes its own draft from it. */
  readonly stateBytes: Uint8Array;
  readonly sessions: SessionTable<SessionRecord>;
  readonly timers: readonly DurableTimer[];
  /** Counter for timer ids, so each timer is fired and removed once. */
  readonly nextTimerId: number;
  /**
   * The resource clients' channels that wrote, by channelKey (resource-channels.ts), least
   * recently used first (DESIGN §6): each one's mark and the answers of its writes above it, so a
   * request sent again gets its first answer and nothing at or below the mark runs again.
   */
  readonly resourceChannels?: ReadonlyMap<string, ResourceChannel>;
  /**
   * Some channel's writes may be forgotten: a channel was pushed out by newer ones, or the record
   * came from a blob or from a format that kept no channels. A request sent again on a channel the
   * record does not vouch for is then answered OUTCOME_UNKNOWN rather than run a second time.
   */
  readonly channelsForgotten?: boolean;
  /**
   * No resource of any session expires before this time (null: none expires). Not stored: worked
   * out again on load. Lets a commit skip the purge of expired resources without a scan.
   */
  readonly resourceExpiry?: number | null;
  /** Where the record stands among its sealed blobs (docs/sessions.md); absent until one is made. */
  readonly blobStamp?: BlobStamp;
}

/**
 * A blob's "version" (DESIGN §7): `generation` counts the commits of a proxy whose type keeps
 * blobs, and travels with the record, so a record restored from a blob goes on counting from it.
 * `lineage` names one history: a record restored from a blob starts a new lineage, remembering
 * the one it came from (`parent`) and the generation it forked at (`base`), so a blob of the old
 * history newer than the fork is told apart from one the restored copy already holds.
 */
export interface BlobStamp {
  readonly generation: number;
  readonly lineage: Uint8Array;
  readonly parent: Uint8Array | null;
  readonly base: number;
}

/** A resource client's channel (DESIGN §6): the topic's session and the client's ref name it. */
export interface ResourceChannel {
  /** The session of the topic its requests come on (and its answers leave on). */
  readonly topic: string;
  readonly ref: Uint8Array;
  /** The highest `answered` its requests carried: nothing at or below it runs again. */
  readonly answered: number;
  /** The lowest seq this entry vouches for: a write below it may have run on a forgotten entry. */
  readonly since: number;
  /** seq → the answer of a write above the mark. */
  readonly answers: ReadonlyMap<number, KeptAnswer>;
}

export interface KeptAnswer {
  /** A digest of the request (resource-channels.ts requestDigest): only that request gets it. */
  readonly digest: Uint8Array;
  readonly bytes: Uint8Array;
}

/** A value held for a session (DESIGN §6): plain data, never undefined. */
export interface Resource {
  readonly value: unknown;
  /** When it stops existing (ms, the proxy's clock), or null. */
  readonly expiresAt: number | null;
  /** Deleted by the SOURCE that returns it, in the same commit. */
  readonly once: boolean;
}

export interface SessionRecord {
  readonly nonce: Uint8Array | null;
  /** The nonce of the instance that ended last: a repeated end of it is harmless (rule 8). */
  readonly endedNonce: Uint8Array | null;
  /** The token of the current instance's begin, so a repeated begin gets the same answer. */
  readonly beginToken: Uint8Array | null;
  readonly begunReply: Uint8Array | null;
  /**
   * Recent begins, newest last: MQTT redelivers QoS 1, so a begin can arrive again after a newer
   * begin or after end; a remembered token starts nothing. Kept for BEGIN_MEMORY_MS.
   */
  readonly recentBegins: readonly RecentBegin[];
  readonly lastSeq: number;
  /** seq → encoded reply or error frame (the reply cache, rule 3). */
  readonly replies: ReadonlyMap<number, Uint8Array>;
  readonly memento: unknown;
  readonly queue: NotificationQueue;
  readonly visits: Visits;
  /** The session's resources by key (DESIGN §6); committed with everything else. */
  readonly resources: ReadonlyMap<string, Resource>;
  /**
   * The instance's bookkeeping was put back from a sealed blob and none of its calls has been
   * answered since (DESIGN §7): a device that holds replies past `lastSeq` may hold writes the
   * blob missed, so the proxy answers OUTCOME_LOST instead of skipping past them.
   */
  readonly restored?: boolean;
}

/** A begin's token and when it began its instance (ms, the proxy's clock). */
export interface RecentBegin {
  readonly token: Uint8Array;
  readonly at: number;
}

export interface NotificationQueue {
  /**
   * The queue's incarnation, random bytes made with the queue. Seqs count within an epoch: a
   * queue made anew (its record lost) has another epoch, and devices that see it start over
   * instead of taking its seqs for ones they already handled (docs/sessions.md). Whoever puts
   * back an older copy of a record must give its queues a new epoch too.
   */
  readonly epoch: Uint8Array;
  readonly items: readonly QueuedNotification[];
  /** Seq of the last queued notification; the next one gets lastSeq + 1. */
  readonly lastSeq: number;
  readonly acked: number;
  readonly limit: number;
  readonly policy: QueuePolicy;
  readonly dropped: number;
}

/**
 * Visit metadata (DESIGN §4; webgram's visit times): a visit is a begin. `first`, `previous` and
 * `latest` are the times of the first, the one before the latest, and the latest begin (0: none
 * yet); `info` is what the client declared in its latest begin. `lastSeen` is the session's last
 * activity as the store knows it (docs/sessions.md, idle sessions): what the idle sweep counts from.
 */
export interface Visits {
  readonly first: number;
  readonly previous: number;
  readonly latest: number;
  readonly info: unknown;
  readonly lastSeen: number;
}

export interface DurableTimer {
  readonly id: number;
  readonly at: number;
  readonly method: string;
  readonly args: readonly unknown[];
}

/**
 * How long a session remembers a begin's token: the MQTT redelivery horizon. A begin comes again
 * from the device session's own resends (until its deadline: 30 s by default), from mqtt.js
 * resending an unacknowledged publish when its client connects again (after an outage of any
 * length, but only while that process lives) and, in a cluster, from a frame re-dispatched after
 * a failover (seconds). A day covers every deadline and an outage overnight; a token is dropped
 * only by a begin of its session after that, so an idle session's tokens stay.
 */
export const BEGIN_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * The most begin tokens a session remembers (about 20 bytes each in the record), however many
 * began within BEGIN_MEMORY_MS: a flood of begins cannot grow the record. A live process begins
 * a session a few times a day; only a process begun 64 times since could still redeliver the
 * token pushed out, and one that crashed and restarted redelivers nothing of its earlier life.
 */
export const RECENT_BEGINS = 64;

export const EMPTY_RECORD: ProxyRecord = Object.freeze({
  stateBytes: new Uint8Array(0),
  sessions: SessionTable.empty<SessionRecord>(),
  timers: [],
  nextTimerId: 1,
});

/** The resources of a session that has none (shared: nothing changes a record in place). */
export const NO_RESOURCES: ReadonlyMap<string, Resource> = new Map();

export function newSession(now: number, limits: Limits): SessionRecord {
  return {
    nonce: null,
    endedNonce: null,
    beginToken: null,
    begunReply: null,
    recentBegins: [],
    lastSeq: 0,
    replies: new Map(),
    memento: null,
    queue: { epoch: systemRandom.nonce(), items: [], lastSeq: 0, acked: 0, limit: limits.defaultQueueLength, policy: 'drop-oldest', dropped: 0 },
    visits: { first: 0, previous: 0, latest: 0, info: null, lastSeen: now },
    resources: NO_RESOURCES,
  };
}

/** Why a proxy with `count` sessions may not make one more (DESIGN §5 limits); null when it may. */
export function sessionLimitError(count: number, limits: Limits): SteadError | null {
  const max = limits.maxSessionsPerProxy;
  return count >= max ? new SteadError('SESSION_LIMIT', `proxy keeps ${max} sessions at most`) : null;
}

/** The record with one session replaced (or added). */
export function withSession(record: ProxyRecord, name: string, session: SessionRecord): ProxyRecord {
  return { ...record, sessions: record.sessions.with(name, session) };
}

/** Earliest durable timer: one of the record's wake times (wake-at.ts). */
export function timerWake(record: ProxyRecord): number | null {
  let earliest: number | null = null;
  for (const timer of record.timers) if (earliest === null || timer.at < earliest) earliest = timer.at;
  return earliest;
}

/** The timer to fire now: the earliest due, ties by id. */
export function dueTimer(record: ProxyRecord, now: number): DurableTimer | null {
  let due: DurableTimer | null = null;
  for (const t of record.timers) if (t.at <= now && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
  return due;
}

export function withoutTimer(record: ProxyRecord, id: number): ProxyRecord {
  return { ...record, timers: record.timers.filter((t) => t.id !== id) };
}
