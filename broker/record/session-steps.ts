import { begunValue, encodeFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import { bytesEqual } from '../../shared/bytes.js';
import { ackedQueue } from './queue.js';
import { BEGIN_MEMORY_MS, RECENT_BEGINS, type RecentBegin, type SessionRecord } from './record.js';

/**
 * The session protocol's steps (DESIGN §4), each a new session record: the one place where a
 * session's nonce, seq, reply cache and acks change.
 */

/** Spread into a session whose instance changes: a restored flag (record.ts) is about the old one, and goes. */
const NOT_RESTORED = Object.freeze({ restored: undefined });

/** Rule 1: a new instance; seq restarts, older instances are fenced, the answer is kept. */
export function begun(s: SessionRecord, token: Uint8Array, nonce: Uint8Array, now: number, info: unknown): SessionRecord {
  const begunReply = encodeFrame({ kind: Kind.reply, ref: token, seq: 0, value: begunValue({ nonce, memento: s.memento, crashed: s.nonce !== null }) });
  return {
    ...s,
    nonce,
    endedNonce: null,
    beginToken: token,
    begunReply,
    recentBegins: remembered(s.recentBegins, token, now),
    lastSeq: 0,
    replies: new Map(),
    visits: { first: s.visits.first || now, previous: s.visits.latest, latest: now, info, lastSeen: now },
    ...NOT_RESTORED,
  };
}

/** Whether a begin token was seen recently (a redelivered begin). */
export function seenBegin(s: SessionRecord, token: Uint8Array): boolean {
  return s.recentBegins.some((begin) => bytesEqual(begin.token, token));
}

/** The tokens to remember after a begin at `now`: those of the last BEGIN_MEMORY_MS, at most RECENT_BEGINS. */
function remembered(recent: readonly RecentBegin[], token: Uint8Array, now: number): RecentBegin[] {
  const kept = recent.filter((begin) => now - begin.at < BEGIN_MEMORY_MS);
  kept.push({ token, at: now });
  return kept.length > RECENT_BEGINS ? kept.slice(-RECENT_BEGINS) : kept;
}

/** Rule 8: end clears nonce, memento and the reply cache; the ended nonce is remembered. */
export function ended(s: SessionRecord): SessionRecord {
  return { ...s, endedNonce: s.nonce, nonce: null, memento: null, beginToken: null, begunReply: null, lastSeq: 0, replies: new Map(), ...NOT_RESTORED };
}

/**
 * Rule 3: seq is answered; its reply joins the cache, which keeps only replies the device may
 * still ask for: those above `answeredUpTo` (the device holds the rest). No reply above it is ever
 * dropped: the proxy refuses a frame whose span `seq - answered` exceeds the cache (frames/call.ts),
 * so the cache holds at most `replyCacheSize` of them. A restored
 * instance is in step with its device again (record.ts `restored`).
 */
export function answered(s: SessionRecord, seq: number, reply: Uint8Array, answeredUpTo: number): SessionRecord {
  const replies = new Map<number, Uint8Array>();
  for (const [cached, bytes] of s.replies) if (cached > answeredUpTo) replies.set(cached, bytes);
  replies.set(seq, reply);
  return s.restored ? { ...s, lastSeq: seq, replies, ...NOT_RESTORED } : { ...s, lastSeq: seq, replies };
}

/**
 * Seqs the device holds replies for are done. After a reload only read-only calls can be missing
 * among them (writes commit before their reply leaves), so skipping past them is safe.
 */
export function skipped(s: SessionRecord, answeredUpTo: number): SessionRecord {
  return answeredUpTo > s.lastSeq ? { ...s, lastSeq: answeredUpTo } : s;
}

/** Cumulative ack of notifications; the same session when nothing changed. */
export function acked(s: SessionRecord, seq: number): SessionRecord {
  const queue = ackedQueue(s.queue, seq);
  return queue === s.queue ? s : { ...s, queue };
}
