import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const COOKIE = 'stead_admin';
const SESSION_MS = 12 * 60 * 60 * 1000;
/** Sign-ins with a wrong token allowed per minute; then every sign-in waits for the next minute. */
const LOGIN_FAILURES_PER_MINUTE = 10;

/**
 * The admin credential of the HTTP listener, in one place: until the admin role of issue 8
 * lands, a token from the broker's options. A request carries it as `Authorization: Bearer …`
 * (the CLI) or holds a session cookie the dashboard's login gave it (browsers' EventSource
 * cannot set headers). Without a configured token every admin request is refused.
 */
export class AdminCredential {
  readonly #digest: Buffer | null;
  readonly #sessions = new Map<string, number>();
  readonly #now: () => number;
  #failures = 0;
  #failuresSince = 0;

  constructor(token: string | undefined, now: () => number = Date.now) {
    this.#digest = token ? digest(token) : null;
    this.#now = now;
  }

  get configured(): boolean {
    return this.#digest !== null;
  }

  /** Compares digests of equal length in constant time: the token's length and bytes leak nothing. */
  matches(token: string): boolean {
    return this.#digest !== null && timingSafeEqual(digest(token), this.#digest);
  }

  allows(request: IncomingMessage): boolean {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) return this.matches(header.slice(7));
    const session = cookie(request, COOKIE);
    const expires = session ? this.#sessions.get(session) : undefined;
    if (expires === undefined || !session) return false;
    if (expires > this.#now()) return true;
    this.#sessions.delete(session);
    return false;
  }

  /**
   * A `Set-Cookie` value for a dashboard session; null when the token is wrong, 'throttled'
   * after too many wrong ones this minute (a guessing page gets nowhere, even with the right one).
   */
  login(token: string): string | null | 'throttled' {
    const now = this.#now();
    if (now - this.#failuresSince >= 60_000) {
      this.#failures = 0;
      this.#failuresSince = now;
    }
    if (this.#failures >= LOGIN_FAILURES_PER_MINUTE) return 'throttled';
    if (!this.matches(token)) {
      this.#failures++;
      return null;
    }
    const session = randomBytes(24).toString('hex');
    this.#sessions.set(session, this.#now() + SESSION_MS);
    return `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, value] = part.trim().split('=');
    if (key === name && value) return value;
  }
  return null;
}
