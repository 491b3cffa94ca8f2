import { createHash } from 'node:crypto';
import type { ProxyRecord } from '../record/record.js';

/** One session as an operator sees it: the nonce only as a short fingerprint, never itself. */
export interface InspectedSession {
  readonly name: string;
  /** First 8 hex digits of SHA-256 of the current nonce; null when no instance is begun. */
  readonly nonce: string | null;
  readonly lastSeq: number;
  readonly replyCache: number;
  /** Notifications queued and not acknowledged. */
  readonly queueDepth: number;
  readonly queueLimit: number;
  readonly dropped: number;
  readonly lastVisit: number;
}

export interface InspectedTimer {
  readonly at: number;
  readonly method: string;
}

/** What `stead proxy inspect` shows: the record's bookkeeping and, for a live proxy, its runtime. */
export interface ProxyView {
  readonly key: string;
  /** Read from the live proxy, or from the store when it is not hosted here. */
  readonly source: 'live' | 'store';
  readonly version: number;
  readonly sessions: readonly InspectedSession[];
  readonly timers: readonly InspectedTimer[];
  readonly stateBytes: number;
  /** Live only (null from the store): messages waiting, requests held for a gap, commits in flight. */
  readonly inbox: number | null;
  readonly held: number | null;
  readonly gateBacklog: number | null;
  /** When this broker last submitted a commit of the proxy (ms since the epoch); null if never. */
  readonly lastCommitAt: number | null;
}

export interface LiveParts {
  readonly inbox: number;
  readonly held: number;
  readonly gateBacklog: number;
  readonly lastCommitAt: number | null;
}

export function viewOf(key: string, version: number, record: ProxyRecord, live: LiveParts | null): ProxyView {
  const sessions: InspectedSession[] = [];
  for (const [name, s] of record.sessions) {
    sessions.push({
      name,
      nonce: s.nonce ? fingerprint(s.nonce) : null,
      lastSeq: s.lastSeq,
      replyCache: s.replies.size,
      queueDepth: s.queue.items.length,
      queueLimit: s.queue.limit,
      dropped: s.queue.dropped,
      lastVisit: s.visits.latest,
    });
  }
  sessions.sort((a, b) => a.name.localeCompare(b.name));
  return {
    key,
    source: live ? 'live' : 'store',
    version,
    sessions,
    timers: [...record.timers].sort((a, b) => a.at - b.at).map((t) => ({ at: t.at, method: t.method })),
    stateBytes: record.stateBytes.length,
    inbox: live?.inbox ?? null,
    held: live?.held ?? null,
    gateBacklog: live?.gateBacklog ?? null,
    lastCommitAt: live?.lastCommitAt ?? null,
  };
}

/** Enough to tell instances apart in a log or a table; says nothing usable about the nonce. */
export function fingerprint(nonce: Uint8Array): string {
  return createHash('sha256').update(nonce).digest('hex').slice(0, 8);
}
