import { SteadError } from '../../shared/errors.js';
import { assertName } from '../../shared/names.js';
import { resolveBlobPolicy, type BlobPolicy, type BlobsOption } from './blob-policy.js';
import type { CommitEvent } from './commit-event.js';
import type { SinkOptions } from '../../shared/session-address.js';

export type { SessionInfo, SessionListing, SinkOptions } from '../../shared/session-address.js';

/** What happens when a bounded notification queue is full (DESIGN §4). */
export type QueuePolicy = 'drop-oldest' | 'coalesce' | 'refuse';

export interface QueuedNotification {
  seq: number;
  payload: unknown;
  key: string | null;
}

export interface NotifyOptions {
  /** With the coalesce policy, a newer notification replaces a queued one with the same key. */
  key?: string;
  /**
   * Shapes each matching session's copy (as CAF's notify does): called once per session, inside
   * the transaction, with the session's name and the payload as given; what it returns is that
   * session's payload (checked like any payload), `undefined` skips the session. It may read the
   * context (`visits`, `state`, `outq`…) but not change it.
   */
  customize?: (session: string, payload: unknown) => unknown;
}

/** A session's visits (docs/sessions.md): a visit is a begin; null where there was none yet. */
export interface SessionVisits {
  readonly first: number | null;
  readonly previous: number | null;
  readonly latest: number | null;
  /** What the client declared in its latest begin (`session.begin(info)`); null if nothing. */
  readonly info: unknown;
  /** The session's last activity as the store knows it: the idle sweep counts from here. */
  readonly lastSeen: number;
}

/**
 * The session address space `session:<app>/<id>/<session>+<key>` of this proxy, from app code
 * (DESIGN §6). Writes join the transaction (a method that throws leaves no resource change);
 * reads see the transaction's own writes. An expired resource reads as absent.
 */
export interface SessionResources {
  /** NEW: a new logical session with an unguessable id (128 random bits); returns the id. */
  newSession(): string;
  /** SOURCE: the value, or undefined when absent; a once-only value is deleted by this read. */
  source(session: string, key: string): unknown;
  /** SINK: stores a plain-data value (not undefined), replacing any. */
  sink(session: string, key: string, value: unknown, options?: SinkOptions): void;
  exists(session: string, key: string): boolean;
  /** DELETE: whether a live resource was there. */
  delete(session: string, key: string): boolean;
  /** The keys of the session's live resources, sorted. */
  keys(session: string): string[];
}

/** What app code sees while a method, pulse, timer or init runs. All effects are buffered. */
export interface ProxyContext<S> {
  readonly app: string;
  readonly id: string;
  /** The draft state: committed when the method returns, dropped when it throws. */
  state: S;
  /** The logical session that sent the request; null in pulse, timers and init. */
  readonly session: string | null;
  currentSession(): string | null;
  sessionIds(): string[];
  notify(payload: unknown, target: string | RegExp, options?: NotifyOptions): void;
  limitQueue(length: number, session: string, policy?: QueuePolicy): void;
  outq(session: string): QueuedNotification[];
  /** The visits of a session (default: the calling one); null when the proxy has no such session. */
  visits(session?: string): SessionVisits | null;
  /** Stores a memento with this transaction; the next begin of this session returns it. */
  remember(memento: unknown): void;
  /** A durable timer: runs `method(...args)` at `time` (ms since the epoch), exactly once. */
  at(time: number, method: string, args?: unknown[]): void;
  now(): number;
  /** Session resources (DESIGN §6), committed with the method. */
  readonly resources: SessionResources;
}

export type InitContext<S> = Omit<ProxyContext<S>, 'state'>;

/** Argument types a method may declare; a trailing `?` makes the argument optional. */
export type ArgType = 'string' | 'number' | 'integer' | 'boolean' | 'bytes' | 'array' | 'object' | 'any';
export type ArgSpec = ArgType | `${ArgType}?`;

export type MethodFn<S> = (ctx: ProxyContext<S>, ...args: never[]) => unknown;

/** A method with a declared argument shape; calls that do not match fail with BAD_ARGUMENTS. */
export interface MethodSpec<S> {
  args: readonly ArgSpec[];
  run: MethodFn<S>;
}

export interface PulseSpec<S> {
  /** Milliseconds between pulses while the proxy is live. */
  every: number;
  run(ctx: ProxyContext<S>): unknown;
}

export interface ProxyDefinition<S> {
  name: string;
  init: (ctx: InitContext<S>) => S;
  methods: Record<string, MethodFn<S> | MethodSpec<S>>;
  pulse?: PulseSpec<S>;
  /**
   * Told after each commit of a proxy of this type is durable, outside any transaction (it cannot
   * change the proxy; a throw or rejection is logged and ignored). See docs/apps.md.
   */
  onCommit?: (event: CommitEvent) => void | Promise<void>;
  /**
   * Sealed session blobs (DESIGN §7, docs/sessions.md): after each commit, every session whose
   * device keeps blobs gets a sealed copy of the record, from which a broker that lost its copy
   * restores. `true` or `{ ttlMs, graceMs }` (a blob lives a week; a proxy the store does not
   * hold answers only its keepers for 10 s); needs the broker's `blobKey`.
   */
  blobs?: BlobsOption;
  /** Top-level state fields that never enter a blob: a restored proxy has them absent. */
  secret?: readonly string[];
}

/** A checked proxy type, resolved once when the broker loads it (its state type erased). */
export interface ProxyType {
  readonly name: string;
  readonly init: (ctx: InitContext<unknown>) => unknown;
  readonly methods: ReadonlyMap<string, ResolvedMethod>;
  readonly pulse: PulseSpec<unknown> | null;
  readonly onCommit: ((event: CommitEvent) => void | Promise<void>) | null;
  /** Sealed session blobs, when the type opts in (DESIGN §7). */
  readonly blobs?: BlobPolicy | null;
}

export interface ResolvedMethod {
  readonly run: MethodFn<unknown>;
  readonly args: readonly ArgSpec[] | null;
}

const PROXY_TYPE = Symbol.for('stead.proxy-type');

/** Declares a proxy type (an app). The broker loads modules whose default export is one. */
export function defineProxy<S>(definition: ProxyDefinition<S>): ProxyType {
  assertName('app', definition.name);
  if (typeof definition.init !== 'function') throw new SteadError('APP_LOAD', `${definition.name}: init must be a function`);
  const methods = new Map<string, ResolvedMethod>();
  for (const [name, method] of Object.entries(definition.methods)) {
    methods.set(name, resolveMethod(definition.name, name, method));
  }
  const pulse = definition.pulse ?? null;
  if (pulse && !(Number.isFinite(pulse.every) && pulse.every >= 10 && typeof pulse.run === 'function')) {
    throw new SteadError('APP_LOAD', `${definition.name}: pulse needs run() and every ≥ 10 ms`);
  }
  const onCommit = definition.onCommit ?? null;
  if (onCommit !== null && typeof onCommit !== 'function') throw new SteadError('APP_LOAD', `${definition.name}: onCommit must be a function`);
  // The runtime treats state as opaque plain data; the app's own code keeps its type S.
  return Object.freeze({
    [PROXY_TYPE]: true,
    name: definition.name,
    init: definition.init as ProxyType['init'],
    methods,
    pulse: pulse as PulseSpec<unknown> | null,
    onCommit,
    blobs: resolveBlobPolicy(definition.name, definition.blobs, definition.secret, methods),
  });
}

export function isProxyType(value: unknown): value is ProxyType {
  return typeof value === 'object' && value !== null && PROXY_TYPE in value;
}

const ARG_SPEC = /^(string|number|integer|boolean|bytes|array|object|any)\??$/;

function resolveMethod<S>(app: string, name: string, method: MethodFn<S> | MethodSpec<S>): ResolvedMethod {
  if (typeof method === 'function') return { run: method as MethodFn<unknown>, args: null };
  if (typeof method?.run !== 'function' || !Array.isArray(method.args) || !method.args.every((a) => ARG_SPEC.test(a))) {
    throw new SteadError('APP_LOAD', `${app}.${name}: a method is a function or { args, run }`);
  }
  return { run: method.run as MethodFn<unknown>, args: method.args };
}
