import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SteadError } from '../../shared/errors.js';
import { SignInThrottle } from './sign-in-throttle.js';

const COOKIE = 'stead_admin';
const SESSION_MS = 12 * 60 * 60 * 1000;
/** The shortest admin token accepted: 32 characters (`openssl rand -hex 24` makes 48). */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** What a request's credential is: none given, right, wrong, or from an address that must wait. */
export type CredentialCheck = 'ok' | 'missing' | 'wrong' | 'throttled';

/**
 * The admin credential of the HTTP listener, in one place: a token from the broker's options.
 * A request carries it as `Authorization: Bearer …` (the CLI) or holds a session cookie the
 * dashboard's sign-in gave it (browsers' EventSource cannot set headers). Without a configured
 * token every admin request is refused. Wrong tokens, signed in or Bearer, are throttled per
 * remote address (sign-in-throttle.ts).
 */
export class AdminCredential {
  readonly #digest: Buffer | null;
  readonly #sessions = new Map<string, number>();
  readonly #now: () => number;
  readonly #throttle: SignInThrottle;

  constructor(token: string | undefined, now: () => number = Date.now) {
    if (token !== undefined && token !== '' && token.length < MIN_ADMIN_TOKEN_LENGTH) {
      throw new SteadError('BAD_OPTIONS', `adminToken must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (openssl rand -hex 24)`);
    }
    this.#digest = token ? digest(token) : null;
    this.#now = now;
    this.#throttle = new SignInThrottle(now);
  }

  get configured(): boolean {
    return this.#digest !== null;
  }

  /** Compares digests of equal length in constant time: the token's length and bytes leak nothing. */
  matches(token: string): boolean {
    return this.#digest !== null && timingSafeEqual(digest(token), this.#digest);
  }

  /** The request's credential, checked: a Bearer token counts against its address like a sign-in. */
  check(request: IncomingMessage, address: string): CredentialCheck {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) return this.#guess(address, header.slice(7));
    const session = cookie(request, COOKIE);
    const expires = session ? this.#sessions.get(session) : undefined;
    if (expires === undefined || !session) return 'missing';
    if (expires > this.#now()) return 'ok';
    this.#sessions.delete(session);
    return 'missing';
  }

  /**
   * A `Set-Cookie` value for a dashboard session; null when the token is wrong, 'throttled'
   * while the address waits after wrong ones (even the right token: a guesser learns nothing).
   */
  login(token: string, address: string): string | null | 'throttled' {
    const verdict = this.#guess(address, token);
    if (verdict !== 'ok') return verdict === 'throttled' ? 'throttled' : null;
    const session = randomBytes(24).toString('hex');
    this.#sessions.set(session, this.#now() + SESSION_MS);
    return `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  #guess(address: string, token: string): CredentialCheck {
    if (this.#throttle.blocked(address)) return 'throttled';
    if (!this.matches(token)) {
      this.#throttle.failed(address);
      return 'wrong';
    }
    this.#throttle.succeeded(address);
    return 'ok';
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
