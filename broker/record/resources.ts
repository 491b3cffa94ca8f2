import type { ProxyRecord, Resource, SessionRecord } from './record.js';

/**
 * Session resources in the record (DESIGN §6), as values: each step returns a new session or
 * record. An expired resource reads as absent everywhere, and is purged at the next commit.
 */

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
