import type { ProxyRecord, SessionRecord } from './record.js';

/**
 * Idle sessions (DESIGN §6: sessions idle past their TTL are swept by the broker itself). A
 * session's idleness counts from `visits.lastSeen`, its last activity as the store knows it:
 * begins, ends, acks and calls that commit write it anyway; activity that writes nothing (a
 * read-only call, a hello) is written only once `lastSeen` lags by a quarter of the TTL, so
 * reads cost at most one write per quarter TTL. The sweep allows for that lag: a session goes
 * no sooner than one TTL after its last activity, and at the latest a quarter TTL later.
 */

/** How far `lastSeen` may lag behind the last activity before the activity is written. */
export function seenSlack(ttlMs: number): number {
  return Math.floor(ttlMs / 4);
}

/** When the session counts as idle. */
export function idleExpiry(s: SessionRecord, ttlMs: number): number {
  return s.visits.lastSeen + ttlMs + seenSlack(ttlMs);
}

/** The session, active now. */
export function seenAt(s: SessionRecord, now: number): SessionRecord {
  return s.visits.lastSeen === now ? s : { ...s, visits: { ...s.visits, lastSeen: now } };
}

/** Whether activity that writes nothing must be written after all, so the sweep sees it. */
export function seenIsStale(s: SessionRecord, now: number, ttlMs: number | null): boolean {
  return ttlMs !== null && now - s.visits.lastSeen >= seenSlack(ttlMs);
}

/** The earliest idle expiry among the record's sessions: one of its wake times (wake-at.ts). */
export function idleWake(record: ProxyRecord, ttlMs: number | null): number | null {
  if (ttlMs === null) return null;
  let earliest: number | null = null;
  for (const s of record.sessions.values()) {
    const at = idleExpiry(s, ttlMs);
    if (earliest === null || at < earliest) earliest = at;
  }
  return earliest;
}

/** The record without the sessions idle at `now`, and their names; null when none is. */
export function withoutIdle(record: ProxyRecord, now: number, ttlMs: number | null): { record: ProxyRecord; swept: string[] } | null {
  if (ttlMs === null) return null;
  const swept: string[] = [];
  let sessions = record.sessions;
  for (const [name, s] of record.sessions) {
    if (idleExpiry(s, ttlMs) > now) continue;
    swept.push(name);
    sessions = sessions.without(name);
  }
  return swept.length === 0 ? null : { record: { ...record, sessions }, swept };
}
