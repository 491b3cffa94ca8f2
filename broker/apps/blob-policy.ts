import { createHash } from 'node:crypto';
import { SteadError } from '../../shared/errors.js';

/** How long a sealed session blob stays good by default: a week (docs/sessions.md). */
export const DEFAULT_BLOB_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long a proxy the store does not hold waits for its blob keepers by default (docs/sessions.md,
 * "A record born after a store loss"): time for the devices to reconnect after a broker restart.
 */
export const DEFAULT_BLOB_GRACE_MS = 10_000;

/** What a proxy type that opts in to sealed session blobs declared, resolved once at load. */
export interface BlobPolicy {
  readonly ttlMs: number;
  /** How long a proxy the store does not hold answers only its blob keepers (0: not at all). */
  readonly graceMs: number;
  /** Top-level state fields that never enter a blob (restored absent). */
  readonly secret: readonly string[];
  /**
   * SHA-256 of the method surface (names and argument specs, sorted): a blob sealed under another
   * surface comes from an app version that may not read its state, and is refused (DESIGN §7).
   */
  readonly surface: Uint8Array;
}

/** What the surface hash reads of a method (its argument specs). */
interface MethodShape {
  readonly args: readonly string[] | null;
}

export type BlobsOption = boolean | { ttlMs?: number; graceMs?: number };

/** The policy of a type, or null when it does not opt in. */
export function resolveBlobPolicy(
  app: string,
  option: BlobsOption | undefined,
  secret: readonly string[] | undefined,
  methods: ReadonlyMap<string, MethodShape>,
): BlobPolicy | null {
  if (secret !== undefined && !(Array.isArray(secret) && secret.every((field) => typeof field === 'string'))) {
    throw new SteadError('APP_LOAD', `${app}: secret is a list of state field names`);
  }
  if (option === undefined || option === false) return null;
  const ttlMs = option === true ? DEFAULT_BLOB_TTL_MS : option.ttlMs ?? DEFAULT_BLOB_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new SteadError('APP_LOAD', `${app}: blobs.ttlMs must be a positive number of ms`);
  const graceMs = option === true ? DEFAULT_BLOB_GRACE_MS : option.graceMs ?? DEFAULT_BLOB_GRACE_MS;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new SteadError('APP_LOAD', `${app}: blobs.graceMs must be a number of ms, 0 or more`);
  return Object.freeze({ ttlMs, graceMs, secret: Object.freeze([...(secret ?? [])]), surface: methodSurface(app, methods) });
}

function methodSurface(app: string, methods: ReadonlyMap<string, MethodShape>): Uint8Array {
  const entries = [...methods].map(([name, method]) => [name, method.args]).sort(([a], [b]) => String(a).localeCompare(String(b)));
  return new Uint8Array(createHash('sha256').update(JSON.stringify([app, entries])).digest());
}
