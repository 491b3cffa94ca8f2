/**
 * The one error catalogue (STYLE §5). Every error Stead raises or sends on the wire carries a
 * stable `STEAD_E_…` code from this table; tests assert on codes, never on message text.
 * Each code is documented in docs/errors.md (a test checks that), with how a device reacts to
 * it and the MQTT 5 reason code it corresponds to, where one applies.
 */

/**
 * How a Stead device reacts when a request is answered with a code (DESIGN §4):
 * - `retry`: the request was not taken; send it again with the same seq (until its deadline).
 * - `begin`: this instance cannot go on; requests in flight fail with the error and the next
 *   call begins a new instance (by itself, with `autoBegin`).
 * - `fenced`: another instance holds the session; every pending request fails and the device
 *   does not begin again by itself, so two devices do not take a session from each other in a
 *   loop (`begin()` takes it over).
 * - `fail`: the request fails with the error; the instance goes on.
 */
export type DeviceReaction = 'retry' | 'begin' | 'fenced' | 'fail';

/** MQTT 5 reason codes (MQTT 5.0 §2.4) that Stead errors correspond to. */
export const MQTT_REASON = {
  notAuthorized: 0x87,
  sessionTakenOver: 0x8e,
  topicNameInvalid: 0x90,
  receiveMaximumExceeded: 0x93,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  payloadFormatInvalid: 0x99,
} as const;

interface Entry {
  readonly message: string;
  readonly device: DeviceReaction;
  /** The MQTT 5 reason code of the same meaning, or null where none applies. */
  readonly mqtt: number | null;
}

const entry = (message: string, device: DeviceReaction, mqtt: number | null = null): Entry => ({ message, device, mqtt });
const R = MQTT_REASON;

export const CATALOGUE = {
  MALFORMED_FRAME: entry('a frame did not decode as CBOR, or decoded to the wrong shape', 'fail', R.payloadFormatInvalid),
  FRAME_TOO_LARGE: entry('a frame is larger than the maximum frame size', 'fail', R.packetTooLarge),
  UNSUPPORTED_VERSION: entry('the peer speaks a protocol version this side does not', 'fail'),
  INVALID_NAME: entry('an app, id, session or root name breaks the naming rules', 'fail', R.topicNameInvalid),
  BAD_TOPIC: entry('a topic is not a Stead topic the sender may use', 'fail', R.topicNameInvalid),
  UNKNOWN_APP: entry('no proxy type with that name is loaded', 'fail'),
  UNKNOWN_METHOD: entry('the proxy type has no such method', 'fail'),
  BAD_ARGUMENTS: entry('the arguments do not match the method’s declared shape', 'fail'),
  APP_ERROR: entry('the method threw; its transaction was dropped', 'fail'),
  NOT_BEGUN: entry('the logical session has no current instance; call begin first', 'begin'),
  STALE_INSTANCE: entry('the request’s nonce is not the session’s current nonce (a newer begin fenced it)', 'fenced', R.sessionTakenOver),
  STALE_REQUEST: entry('the request’s seq is older than the reply cache remembers: it may have run', 'begin'),
  OUT_OF_ORDER: entry('a gap before the request’s seq did not fill before the deadline', 'begin'),
  WINDOW_EXCEEDED: entry('the request is too far ahead: beyond the in-flight window, or its span from answered exceeds what the proxy keeps', 'begin', R.receiveMaximumExceeded),
  QUEUE_FULL: entry('a notification queue with the refuse policy is full', 'fail', R.quotaExceeded),
  SESSION_LIMIT: entry('the proxy already keeps the maximum number of logical sessions', 'fail', R.quotaExceeded),
  INFO_TOO_LARGE: entry('what a begin declares about its client (its info) is larger than limits.maxBeginInfoBytes', 'fail', R.packetTooLarge),
  STATE_TOO_LARGE: entry('the proxy state exceeds the maximum state size', 'fail', R.quotaExceeded),
  RECORD_TOO_LARGE: entry('the proxy record (state, sessions, queues, replies, resources, timers) would grow past limits.maxRecordBytes; nothing of the change was kept', 'fail', R.quotaExceeded),
  REPLY_TOO_LARGE: entry('the reply does not fit in one frame', 'fail', R.packetTooLarge),
  BAD_VALUE: entry(
    'a value the method produced (reply, notification, memento, timer argument) is not plain data the device can decode, or is nested too deep',
    'fail',
  ),
  VALUE_TOO_LARGE: entry('a notification, memento or timer argument the method produced does not fit in one frame', 'fail', R.packetTooLarge),
  METHOD_TIMEOUT: entry('the method did not settle within the method time limit; its transaction was abandoned', 'fail'),
  CONTEXT_CLOSED: entry('a method context was used after its method settled (outside any transaction)', 'fail'),
  INBOX_FULL: entry('the proxy inbox is full; the request was not accepted', 'retry', R.quotaExceeded),
  STORE_FAILURE: entry('the store failed to load or commit; nothing was released', 'retry'),
  VERSION_CONFLICT: entry('a commit lost the store’s version check (another writer committed first)', 'retry'),
  STORE_OWNED: entry('the store file is owned by another running broker (one broker per store file)', 'fail'),
  DEADLINE: entry('the call did not complete before its deadline; its outcome is unknown', 'begin'),
  CLOSED: entry('the device, session or broker was closed', 'fail'),
  UNREACHABLE: entry('the device could not connect to the broker in time', 'fail'),
  REFUSED: entry('the broker refused a subscription or publish (not authorized)', 'fail', R.notAuthorized),
  BAD_OPTIONS: entry('invalid options passed to a Stead function or command', 'fail'),
  APP_LOAD: entry('a proxy app module failed to load or declares an invalid proxy type', 'fail'),
  BAD_CONFIG: entry('a configuration file (stead.json, the agent config), or a file or module it names, is invalid; the message names the field', 'fail'),
  START_FAILED: entry('a start-up step failed for a reason outside Stead (a port in use, a file system error); what it opened is closed again', 'fail'),
  OUTCOME_UNKNOWN: entry('a request was sent but its answer cannot be learned (no answer came, or the proxy keeps none and will not run it again): it may have run', 'fail'),
  OUTCOME_LOST: entry(
    'the answer to a call can no longer be learned: its instance was fenced or ended, or the proxy was restored from a sealed blob older than replies the device holds',
    'begin',
  ),
  CALL_PENDING: entry('the call journal holds an earlier call of this session whose outcome is unknown', 'fail'),
  JOURNAL: entry('the local call journal could not be read or written', 'fail'),
  CALL_IN_PROGRESS: entry('another stead call of this session is running', 'fail'),
  CALL_UNRESOLVED: entry('the session’s previous instance did not end and no call journal here explains it: an earlier call may be unresolved', 'fail'),
  // Gadget hardware (hardware/gpio, DESIGN §9): a gadget's pins and their configuration.
  UNKNOWN_PIN: entry('no pin of that name is configured, or its line is not on the GPIO chip', 'fail'),
  DUPLICATE_PIN: entry('two pins of the gadget config name the same name or GPIO line', 'fail'),
  BAD_PIN_CONFIG: entry('a pin configuration is invalid (direction, pull, edge, debounce, initial value)', 'fail'),
  PIN_DIRECTION: entry('the pin is configured the other way (a write to an input, an edge watch on an output)', 'fail'),
  GPIO_CHIP_NOT_FOUND: entry('no GPIO chip with the header label was found under the root', 'fail'),
  GPIO_IO: entry('a GPIO file or tool failed (export, direction, value, pull)', 'fail'),
  // Timed command bundles (hardware/bundles, DESIGN §9).
  BAD_BUNDLE: entry('a command bundle or bundle report is malformed', 'fail'),
  BUNDLE_LATE: entry('a command bundle arrived after its start, beyond the tolerance; it was refused', 'fail'),
  BUNDLE_STORE: entry('the pending bundles file could not be read or written', 'fail'),
  BAD_ADDRESS: entry('a session address is not shaped session:<app>/<id>[/<session>[+<key>]]', 'fail'),
  INVALID_KEY: entry('a session resource key breaks the key rules ([a-z0-9][a-z0-9_.@-]{0,127})', 'fail'),
  RESOURCE_TOO_LARGE: entry('a session resource value exceeds the maximum resource size', 'fail', R.packetTooLarge),
  RESOURCE_LIMIT: entry('the session already holds the maximum number of resources', 'fail', R.quotaExceeded),
  NOT_AUTHORIZED: entry('the broker refused the connection: the key is unknown or revoked, or its token is expired, replayed or forged', 'fail', R.notAuthorized),
  BAD_KEY: entry('a key file or public key is not a valid ed25519 key of a named device', 'fail'),
  UNKNOWN_PROXY: entry('no proxy with that address is hosted by the broker or kept in its store', 'fail'),
  // Sealed session blobs (DESIGN §7, docs/sessions.md): a refused blob restores nothing.
  BLOB_TAMPERED: entry('a sealed session blob does not open with the broker’s blob key (changed or cut)', 'fail'),
  BLOB_FOREIGN: entry('a sealed session blob belongs to another proxy, session, broker key or app version', 'fail'),
  BLOB_EXPIRED: entry('a sealed session blob is past its expiry time', 'fail'),
  BLOB_STALE: entry('a sealed session blob is older than the broker’s copy of its proxy', 'fail'),
  BLOB_CONFLICT: entry('a sealed session blob is from a history the broker’s copy of its proxy has left (restored from another blob)', 'fail'),
  BLOB_PARTIAL: entry('the proxy was restored from a sealed blob older than the newest record, whose blob did not fit in a frame: effects after the blob are lost', 'fail'),
  // The device simulator (device/sim).
  SCENARIO_LOAD: entry('a simulator scenario module failed to load or exports no scenario', 'fail'),
} as const satisfies Record<string, Entry>;

/**
 * The codes a proxy answers a call with as its reply, cached under its seq (DESIGN §4 rule 6):
 * the method ran or was judged. Any other error refused the request before it took its seq, so
 * sending the same seq again may still run it.
 */
const CACHED_REPLIES: ReadonlySet<string> = new Set([
  'UNKNOWN_METHOD', 'BAD_ARGUMENTS', 'APP_ERROR', 'QUEUE_FULL', 'SESSION_LIMIT', 'STATE_TOO_LARGE', 'RECORD_TOO_LARGE',
  'REPLY_TOO_LARGE', 'BAD_VALUE', 'VALUE_TOO_LARGE', 'METHOD_TIMEOUT', 'BAD_OPTIONS', 'INVALID_NAME', 'CONTEXT_CLOSED',
  // Session resources written by a method (DESIGN §6).
  'INVALID_KEY', 'RESOURCE_TOO_LARGE', 'RESOURCE_LIMIT',
].map((key) => `STEAD_E_${key}`));

/**
 * Whether a call answered with this code was judged by its proxy (its reply is cached). A proxy
 * answers a call only with these: a Stead error of another code that app code lets escape
 * (a nested call's DEADLINE, say) is answered as APP_ERROR, so a device never mistakes it for a
 * refusal to retry or a fencing.
 */
export function isCachedReply(errorCode: string): boolean {
  return CACHED_REPLIES.has(errorCode);
}

export type ErrorKey = keyof typeof CATALOGUE;
export type ErrorCode = `STEAD_E_${ErrorKey}`;

/** The default message of each code. */
export const ERRORS = Object.fromEntries(
  (Object.keys(CATALOGUE) as ErrorKey[]).map((key) => [key, CATALOGUE[key].message]),
) as { readonly [K in ErrorKey]: string };

/** The code of a catalogue entry: `code('UNKNOWN_METHOD')` → `'STEAD_E_UNKNOWN_METHOD'`. */
export function code(key: ErrorKey): ErrorCode {
  return `STEAD_E_${key}`;
}

/** All codes, for documentation checks and for decoding error frames. */
export const ERROR_CODES: readonly ErrorCode[] = (Object.keys(CATALOGUE) as ErrorKey[]).map(code);

const KNOWN_CODES = new Set<string>(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

function entryOf(errorCode: ErrorCode): Entry {
  return CATALOGUE[errorCode.slice(8) as ErrorKey];
}

/** How a device reacts to a request answered with this code. */
export function deviceReaction(errorCode: ErrorCode): DeviceReaction {
  return entryOf(errorCode).device;
}

/** The MQTT 5 reason code of the same meaning, or null where none applies. */
export function mqttReason(errorCode: ErrorCode): number | null {
  return entryOf(errorCode).mqtt;
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
    super(message ?? entryOf(errorCode).message, { cause: options.cause });
    this.code = errorCode;
    this.data = options.data;
  }
}

export function isSteadError(value: unknown, key?: ErrorKey): value is SteadError {
  return value instanceof SteadError && (key === undefined || value.code === code(key));
}
