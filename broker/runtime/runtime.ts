import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import { LIMITS, type Limits } from '../../shared/limits.js';
import { isPlainData } from '../../shared/wire/plain-data.js';
import type { Random } from '../../shared/random.js';
import type { SessionTopic, Topics } from '../../shared/topics.js';
import { decodeFrame, decodeValue } from '../../shared/wire/codec.js';
import { Kind, NONCE_BYTES, type Frame } from '../../shared/wire/frames.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { correlation, type Correlation } from '../protocol/index.js';
import type { CommitEvents } from '../proxy/commit-events.js';
import { Outbound } from '../proxy/outbound.js';
import { Proxy } from '../proxy/proxy.js';
import type { ProxyHost } from '../proxy/proxy-host.js';
import { viewOf, type ProxyView } from '../proxy/proxy-view.js';
import { decodeRecord } from '../record/record-codec.js';
import type { BlobSeal } from '../record/blob-seal.js';
import { errorBytes } from '../record/replies.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';
import { WakeScan } from './wake-scan.js';

export interface RuntimeOptions {
  apps: readonly ProxyType[];
  store: Store;
  committer: GroupCommitter;
  topics: Topics;
  clock: Clock;
  random: Random;
  limits: Limits;
  log: Logger;
  /** Sessions not seen for this long are swept (docs/sessions.md); null: never. */
  idleTtlMs: number | null;
  /** Where proxies tell their durable commits. */
  commits: CommitEvents;
  /** Seals session blobs for types that keep them (DESIGN §7). */
  blobSeal?: BlobSeal | null;
  /** Counts events (errors by code, drops by reason); the host's metrics. */
  count(event: string): void;
  /** Observes a call's latency in seconds; the host's metrics. */
  observe(event: 'call', seconds: number): void;
  /** Logs a refusal (rate-limited by the host). */
  refused(code: string, proxy: string, session: string, nonce: Uint8Array | null): void;
  publish(topic: string, payload: Uint8Array): void;
}

/**
 * Hosts the proxies: routes each request to its proxy's inbox, creating the proxy on first
 * use. Anything that cannot reach a proxy is answered with a typed error frame when the
 * sender's session is known, and dropped and counted otherwise (DESIGN §5).
 */
export class ProxyRuntime {
  readonly #apps: ReadonlyMap<string, ProxyType>;
  readonly #proxies = new Map<string, Proxy>();
  readonly #byTopic = new WeakMap<SessionTopic, Proxy>();
  readonly #host: ProxyHost;
  readonly #topics: Topics;
  readonly #count: (event: string) => void;
  #closed = false;
  #scan: WakeScan | null = null;

  constructor(options: RuntimeOptions) {
    this.#apps = new Map(options.apps.map((app) => [app.name, app]));
    this.#topics = options.topics;
    this.#count = options.count;
    this.#host = {
      clock: options.clock,
      random: options.random,
      limits: options.limits,
      store: options.store,
      committer: options.committer,
      log: options.log,
      outbound: new Outbound(options.topics, options.publish),
      idleTtlMs: options.idleTtlMs,
      commits: options.commits,
      blobSeal: options.blobSeal ?? null,
      count: options.count,
      observe: options.observe,
      refused: options.refused,
    };
  }

  get liveProxies(): number {
    return this.#proxies.size;
  }

  /** The hosted proxies, for metrics and the dashboard (read on a scrape, never per message). */
  proxies(): IterableIterator<Proxy> {
    return this.#proxies.values();
  }

  /** `stead proxy inspect`: the live proxy's view, else its stored record's; null if neither. */
  async inspect(key: string): Promise<ProxyView | null> {
    const live = this.#proxies.get(key)?.inspect();
    if (live) return live;
    const stored = await this.#host.store.load(key);
    return stored ? viewOf(key, stored.version, decodeRecord(stored.record), null) : null;
  }

  /** Entry point for every publish on `<root>/+/+/+/in`. */
  dispatch(topic: string, payload: Uint8Array): void {
    const target = this.#topics.parse(topic);
    if (!target || target.direction !== 'in') return this.#count('dropped.bad_topic');
    const { app, id, session } = target;
    this.#count('frames.in');
    let frame: Frame;
    try {
      frame = decodeFrame(payload, this.#host.limits.maxFrameBytes);
    } catch (error) {
      // A begin in a version this side does not speak still names its token: answer to it, so
      // the device sees UNSUPPORTED_VERSION instead of waiting out its deadline.
      const ref = isSteadError(error, 'UNSUPPORTED_VERSION') ? beginToken(payload) : null;
      return this.#answer(app, id, session, [ref, 0], error);
    }
    // The codec holds values to the default depth; a broker configured for less checks again.
    if (this.#host.limits.maxValueDepth < LIMITS.maxValueDepth && !isPlainData(frameValue(frame), this.#host.limits.maxValueDepth)) {
      const error = new SteadError('MALFORMED_FRAME', `a value in the frame is nested deeper than ${this.#host.limits.maxValueDepth}`);
      return this.#answer(app, id, session, correlation(frame), error);
    }
    const type = this.#apps.get(app);
    if (!type) {
      return this.#answer(app, id, session, correlation(frame), new SteadError('UNKNOWN_APP', `no proxy type named ${app}`));
    }
    if (this.#closed) return this.#count('dropped.closing');
    // Parsed topics are cached objects: remember their proxy too, saving a key build and lookup.
    let proxy = this.#byTopic.get(target);
    if (!proxy) {
      proxy = this.#proxy(type, id);
      this.#byTopic.set(target, proxy);
    }
    if (!proxy.enqueueFrame(session, frame)) {
      const error = new SteadError('INBOX_FULL', `${proxy.key} has too many waiting messages`);
      this.#answer(app, id, session, correlation(frame), error);
    }
  }

  /**
   * Wakes stored proxies with a wake time (durable timers, idle sessions; record/wake-at.ts):
   * each arms its wake-up, and what came due while the broker was down runs now. Without an idle
   * TTL only proxies with timers have one, and all are loaded at start; with one, nearly every
   * proxy has one, and a scan loads each shortly before it comes due (wake-scan.ts).
   */
  async wakeDue(): Promise<void> {
    if (this.#host.idleTtlMs === null) {
      for (const key of await this.#host.store.listWaking(Number.MAX_SAFE_INTEGER)) this.#wakeStored(key);
      return;
    }
    this.#scan = new WakeScan(this.#host.clock, this.#host.store, this.#host.log, (key) => {
      if (!this.#closed && !this.#proxies.has(key)) this.#wakeStored(key);
    });
    await this.#scan.start();
  }

  #wakeStored(key: string): void {
    const [app, id] = key.split('/') as [string, string];
    const type = this.#apps.get(app);
    if (type) this.#proxy(type, id).wake();
    else this.#host.log.warn({ proxy: key }, 'stored proxy has a wake time but its app is not loaded');
  }

  /** Stops accepting work, then waits until every inbox is empty and its commits are done. */
  async drain(): Promise<void> {
    this.#closed = true;
    this.#scan?.stop();
    for (;;) {
      const busy = [...this.#proxies.values()].filter((p) => !p.idle);
      if (busy.length === 0) break;
      await Promise.all(busy.map((p) => p.whenIdle()));
    }
    for (const proxy of this.#proxies.values()) proxy.stop();
  }

  #proxy(type: ProxyType, id: string): Proxy {
    const key = `${type.name}/${id}`;
    let proxy = this.#proxies.get(key);
    if (!proxy) {
      proxy = new Proxy(type, id, this.#host);
      this.#proxies.set(key, proxy);
      this.#count('proxies.created');
    }
    return proxy;
  }

  #answer(app: string, id: string, session: string, [ref, seq]: Correlation, error: unknown): void {
    const steadError = isSteadError(error) ? error : new SteadError('MALFORMED_FRAME', String(error));
    this.#count(steadError.code);
    this.#host.refused(steadError.code, `${app}/${id}`, session, ref);
    this.#host.outbound.send(app, id, session, errorBytes(ref, seq, steadError));
  }
}

/** The app value a frame carries (call arguments count as one level, as on the device). */
function frameValue(frame: Frame): unknown {
  switch (frame.kind) {
    case Kind.call:
      return frame.args;
    case Kind.begin:
      return frame.info;
    case Kind.resource:
      return frame.value;
    default:
      return null;
  }
}

/** The token of a payload shaped `[begin, version, token, info]`, whatever its version. */
function beginToken(payload: Uint8Array): Uint8Array | null {
  const raw = decodeValue(payload);
  if (!Array.isArray(raw) || raw.length !== 4 || raw[0] !== Kind.begin) return null;
  const token: unknown = raw[2];
  return token instanceof Uint8Array && token.length === NONCE_BYTES ? token : null;
}
