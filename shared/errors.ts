/**
 * The one error catalogue (STYLE §5). Every error Stead raises or sends on the wire carries a
 * stable `STEAD_E_…` code from this table; tests assert on codes, never on message text.
 * Each code is documented in docs/errors.md (a test checks that).
 */
export const ERRORS = {
  MALFORMED_FRAME: 'a frame did not decode as CBOR, or decoded to the wrong shape',
  FRAME_TOO_LARGE: 'a frame is larger than the maximum frame size',
  UNSUPPORTED_VERSION: 'the peer speaks a protocol version this side does not',
  INVALID_NAME: 'an app, id, session or root name breaks the naming rules',
  BAD_TOPIC: 'a topic is not a Stead topic the sender may use',
  UNKNOWN_APP: 'no proxy type with that name is loaded',
  UNKNOWN_METHOD: 'the proxy type has no such method',
  BAD_ARGUMENTS: 'the arguments do not match the method’s declared shape',
  APP_ERROR: 'the method threw; its transaction was dropped',
  NOT_BEGUN: 'the logical session has no current instance; call begin first',
  STALE_INSTANCE: 'the request’s nonce is not the session’s current nonce (a newer begin fenced it)',
  STALE_REQUEST: 'the request’s seq is older than the reply cache remembers',
  OUT_OF_ORDER: 'a gap before the request’s seq did not fill before the deadline',
  WINDOW_EXCEEDED: 'the request is too far ahead of the last seq (beyond the in-flight window)',
  QUEUE_FULL: 'a notification queue with the refuse policy is full',
  SESSION_LIMIT: 'the proxy already keeps the maximum number of logical sessions',
  STATE_TOO_LARGE: 'the proxy state exceeds the maximum state size',
  REPLY_TOO_LARGE: 'the reply does not fit in one frame',
  INBOX_FULL: 'the proxy inbox is full; the request was not accepted',
  STORE_FAILURE: 'the store failed to load or commit; nothing was released',
  VERSION_CONFLICT: 'a commit lost the store’s version check (another writer committed first)',
  DEADLINE: 'the call did not complete before its deadline; its outcome is unknown',
  CLOSED: 'the device, session or broker was closed',
  UNREACHABLE: 'the device could not connect to the broker in time',
  REFUSED: 'the broker refused a subscription or publish (not authorized)',
  BAD_OPTIONS: 'invalid options passed to a Stead function or command',
  APP_LOAD: 'a proxy app module failed to load or declares an invalid proxy type',
  OUTCOME_UNKNOWN: 'a call was sent but no answer came; sending it again under the same seq tells its outcome',
  OUTCOME_LOST: 'the instance that sent a call was fenced or ended before the answer was learned',
  CALL_PENDING: 'the call journal holds an earlier call of this session whose outcome is unknown',
  JOURNAL: 'the local call journal could not be read or written',
} as const;

export type ErrorKey = keyof typeof ERRORS;
export type ErrorCode = `STEAD_E_${ErrorKey}`;

/** The code of a catalogue entry: `code('UNKNOWN_METHOD')` → `'STEAD_E_UNKNOWN_METHOD'`. */
export function code(key: ErrorKey): ErrorCode {
  return `STEAD_E_${key}`;
}

/** All codes, for documentation checks and for decoding error frames. */
export const ERROR_CODES: readonly ErrorCode[] = (Object.keys(ERRORS) as ErrorKey[]).map(code);

const KNOWN_CODES = new Set<string>(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

export interface SteadErrorOptions {
  /** Extra structured detail, carried in error frames (plain data only). */
  data?: unknown;
  cause?: unknown;
}

/** A Stead error: a stable code, a readable message, optional data and cause. */
export class SteadError extends Error {
  override readonly name = 'SteadError';
  readonly code: ErrorCode;
  readonly data: unknown;

  constructor(key: ErrorKey | ErrorCode, message?: string, options: SteadErrorOptions = {}) {
    const errorCode = key.startsWith('STEAD_E_') ? (key as ErrorCode) : code(key as ErrorKey);
    super(message ?? ERRORS[errorCode.slice(8) as ErrorKey], { cause: options.cause });
    this.code = errorCode;
    this.data = options.data;
  }
}

export function isSteadError(value: unknown, key?: ErrorKey): value is SteadError {
  return value instanceof SteadError && (key === undefined || value.code === code(key));
}
