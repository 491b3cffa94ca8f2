import { SteadError } from './errors.js';
import { assertName, isValidName } from './names.js';

/**
 * The session address space (DESIGN §6): `session:<app>/<id>/<session>+<key>` names a value held
 * for a logical session of a proxy. `session:<app>/<id>` names the proxy's sessions (NEW, the
 * listing of sessions) and `session:<app>/<id>/<session>` one session (the listing of its keys).
 * App, id and session follow the name rules (shared/names.ts); a key is a {@link KEY} below.
 */
export const SESSION_SCHEME = 'session:';

/**
 * A resource key: a name (`[a-z0-9][a-z0-9_.-]…`) that may also hold `@` (NetKernel's
 * `customer@customer-resource`), up to 128 characters. `/` and `+` are the address's delimiters
 * and never part of a key.
 */
const KEY = /^[a-z0-9][a-z0-9_.@-]{0,127}$/;

/** The longest address: scheme, three names of 64, a key of 128 and the delimiters. */
const MAX_ADDRESS_CHARS = SESSION_SCHEME.length + 3 * 64 + 128 + 3;

export interface SessionAddress {
  app: string;
  id: string;
  /** Null when the address names the proxy's sessions. */
  session: string | null;
  /** Null when the address names a whole session (or the proxy's sessions). */
  key: string | null;
}

/** Options of a resource write (SINK). */
export interface SinkOptions {
  /** The resource expires this many ms after the write (on the broker's clock). */
  ttlMs?: number;
  /** The SOURCE that returns the value deletes it, in the same commit. */
  once?: boolean;
}

/** A session in a listing: its visits (first, previous, latest; `info` from its begin). */
export interface SessionInfo {
  session: string;
  first: number;
  previous: number;
  latest: number;
  info: unknown;
  /** How many live resources it holds. */
  resources: number;
}

/** One page of a proxy's sessions; `next` (or null at the end) is where the next page starts. */
export interface SessionListing {
  sessions: SessionInfo[];
  next: string | null;
}

export function isValidKey(value: unknown): value is string {
  return typeof value === 'string' && KEY.test(value);
}

export function assertKey(value: unknown): asserts value is string {
  if (!isValidKey(value)) {
    throw new SteadError('INVALID_KEY', `invalid resource key ${JSON.stringify(value)}: use [a-z0-9][a-z0-9_.@-]{0,127}`);
  }
}

/**
 * Reads an address: BAD_ADDRESS when it is not shaped `session:<app>/<id>[/<session>[+<key>]]`,
 * INVALID_NAME or INVALID_KEY when a part breaks its rules.
 */
export function parseSessionAddress(address: unknown): SessionAddress {
  if (typeof address !== 'string' || address.length > MAX_ADDRESS_CHARS || !address.startsWith(SESSION_SCHEME)) {
    throw badAddress(address);
  }
  const rest = address.slice(SESSION_SCHEME.length);
  const plus = rest.indexOf('+');
  const path = plus < 0 ? rest : rest.slice(0, plus);
  const key = plus < 0 ? null : rest.slice(plus + 1);
  const parts = path.split('/');
  if (parts.length < 2 || parts.length > 3 || (key !== null && parts.length !== 3)) throw badAddress(address);
  const [app, id, session = null] = parts as [string, string, string?];
  assertName('app', app);
  assertName('id', id);
  if (session !== null) assertName('session', session);
  if (key !== null) assertKey(key);
  return { app, id, session, key };
}

/** The address's text; the parts are checked as parseSessionAddress checks them. */
export function formatSessionAddress(address: SessionAddress): string {
  const { app, id, session, key } = address;
  if (!isValidName(app) || !isValidName(id) || (session !== null && !isValidName(session))) {
    throw new SteadError('INVALID_NAME', `an address part breaks the name rules: ${JSON.stringify([app, id, session])}`);
  }
  if (key !== null && session === null) throw new SteadError('BAD_ADDRESS', 'a key needs a session');
  if (key !== null) assertKey(key);
  return `${SESSION_SCHEME}${app}/${id}${session === null ? '' : `/${session}`}${key === null ? '' : `+${key}`}`;
}

function badAddress(address: unknown): SteadError {
  const shown = typeof address === 'string' ? JSON.stringify(address.slice(0, 200)) : typeof address;
  return new SteadError('BAD_ADDRESS', `${shown} is not a session address session:<app>/<id>[/<session>[+<key>]]`);
}
