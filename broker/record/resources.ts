import { createHash } from 'node:crypto';
import { bytesEqual } from '../../shared/bytes.js';
import { encodeValue } from '../../shared/wire/codec.js';
import type { ResourceFrame, ResourceOptions } from '../../shared/wire/frames.js';
import type { ProxyRecord, Resource, ResourceAnswer, SessionRecord } from './record.js';

/**
 * Session resources in the record (DESIGN §6), as values: each step returns a new session or
 * record. An expired resource reads as absent everywhere, and is purged at the next commit.
 */

/** How many answers to resource writes a proxy keeps for requests sent again. */
export const RESOURCE_ANSWERS = 64;

export function isLive(resource: Resource, now: number): boolean {
  return resource.expiresAt === null || now < resource.expiresAt;
}

/** The live resource under `key`, or undefined. */
export function liveResource(s: SessionRecord | undefined, key: string, now: number): Resource | undefined {
  const resource = s?.resources.get(key);
  return resource && isLive(resource, now) ? resource : undefined;
}

/** The keys of live resources, sorted. */
export function liveKeys(s: SessionRecord | undefined, now: number): string[] {
  if (!s) return [];
  const keys: string[] = [];
  for (const [key, resource] of s.resources) if (isLive(resource, now)) keys.push(key);
  return keys.sort();
}

/** The session without its expired resources; the same session when none expired. */
export function withoutExpired(s: SessionRecord, now: number): SessionRecord {
  let resources: Map<string, Resource> | null = null;
  for (const [key, resource] of s.resources) {
    if (isLive(resource, now)) continue;
    resources ??= new Map(s.resources);
    resources.delete(key);
  }
  return resources ? { ...s, resources } : s;
}

export function withResource(s: SessionRecord, key: string, resource: Resource): SessionRecord {
  const resources = new Map(s.resources);
  resources.set(key, resource);
  return { ...s, resources };
}

export function withoutResource(s: SessionRecord, key: string): SessionRecord {
  if (!s.resources.has(key)) return s;
  const resources = new Map(s.resources);
  resources.delete(key);
  return { ...s, resources };
}

/** The earliest expiry of any resource in the record, or null. */
export function earliestExpiry(record: ProxyRecord): number | null {
  let earliest: number | null = null;
  for (const s of record.sessions.values()) {
    for (const { expiresAt } of s.resources.values()) if (expiresAt !== null && (earliest === null || expiresAt < earliest)) earliest = expiresAt;
  }
  return earliest;
}

/**
 * The record without expired resources, purged as part of a commit (DESIGN §6); the same record
 * when nothing can have expired yet (one comparison, no scan).
 */
export function purgeExpired(record: ProxyRecord, now: number): ProxyRecord {
  const due = record.resourceExpiry;
  if (due === undefined || due === null || now < due) return record;
  let sessions = record.sessions;
  for (const [name, s] of record.sessions) {
    const purged = withoutExpired(s, now);
    if (purged !== s) sessions = sessions.with(name, purged);
  }
  const next = { ...record, sessions };
  return { ...next, resourceExpiry: earliestExpiry(next) };
}

/**
 * What a kept answer is filed under: a digest of the whole request and the channel it came on,
 * not its ref alone. The ref is the client's to choose; an answer handed back for a bare ref
 * match would give another request (another key, verb or value, another client's channel) the
 * answer of this one — a consumed once-only value returned twice (DESIGN §6). A client sending
 * its request again sends the same request on the same channel (marked `again`, which is not part
 * of the key), and so meets its answer.
 */
export function requestKey(channel: string, frame: ResourceFrame): Uint8Array {
  // No options and only `again` are the same request.
  const rest: ResourceOptions = { ...frame.options };
  delete rest.again;
  const options = Object.keys(rest).length > 0 ? rest : null;
  const request = encodeValue([channel, frame.ref, frame.verb, frame.session, frame.key, frame.value, options]);
  return new Uint8Array(createHash('sha256').update(request).digest());
}

/** The answer kept for a request (by its requestKey), if any. */
export function keptAnswer(record: ProxyRecord, ref: Uint8Array): Uint8Array | undefined {
  const answers = record.resourceAnswers;
  if (!answers) return undefined;
  for (let i = answers.length - 1; i >= 0; i--) {
    const answer = answers[i] as ResourceAnswer;
    if (bytesEqual(answer.ref, ref)) return answer.bytes;
  }
  return undefined;
}

/** The record keeping one more answer (the oldest beyond RESOURCE_ANSWERS dropped). */
export function withAnswer(record: ProxyRecord, ref: Uint8Array, bytes: Uint8Array): ProxyRecord {
  return { ...record, resourceAnswers: [...(record.resourceAnswers ?? []), { ref, bytes }].slice(-RESOURCE_ANSWERS) };
}
