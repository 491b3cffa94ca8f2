/** Default limits (DESIGN §5). Each is enforced with a typed error, never a crash. */
export const LIMITS = {
  /** Largest MQTT payload (one frame) either side accepts. */
  maxFrameBytes: 64 * 1024,
  /** Largest encoded proxy state. */
  maxStateBytes: 1024 * 1024,
  /**
   * Largest encoded proxy record: the state with every session's bookkeeping, reply cache,
   * queue and resources, and the timers. It is written whole on every commit, so a commit that
   * would grow it past this fails instead (docs/stores.md).
   */
  maxRecordBytes: 4 * 1024 * 1024,
  /** Default bound of a notification queue when the app sets none. */
  defaultQueueLength: 1000,
  /** Largest bound an app may set with limitQueue. */
  maxQueueLength: 100_000,
  /** Replies remembered per logical session (at least the in-flight window). */
  replyCacheSize: 16,
  /** Largest in-flight window a device may use. */
  maxWindow: 16,
  /** How long a request after a gap is held before it fails with OUT_OF_ORDER. */
  outOfOrderHoldMs: 5_000,
  /** Messages waiting in one proxy's inbox before new requests are refused. */
  maxInbox: 10_000,
  /** Logical sessions one proxy keeps. */
  maxSessionsPerProxy: 1024,
  /** Largest encoded `info` a begin declares; kept with the session's visits, so bounded well below a frame. */
  maxBeginInfoBytes: 1024,
  /** Default per-call deadline on the device. */
  callDeadlineMs: 30_000,
  /** How long a method (or pulse, timer, init) may take before its transaction is abandoned. */
  methodTimeoutMs: 10_000,
  /** Nesting depth of app values (arguments, payloads) accepted from the wire. */
  maxValueDepth: 32,
  /** Largest encoded session resource value (DESIGN §6); a SOURCE answers it in one frame. */
  maxResourceBytes: 16 * 1024,
  /** Session resources one logical session holds. */
  maxResourcesPerSession: 64,
} as const;

export type Limits = { readonly [K in keyof typeof LIMITS]: number };
