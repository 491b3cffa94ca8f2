import type { Aedes, AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { definedOnly } from '../../shared/options.js';
import type { Topics } from '../../shared/topics.js';
import type { Store } from '../store/types.js';
import { AUTH_DEFAULTS, type AuthOptions, type ResolvedAuth } from './auth-options.js';
import { ANONYMOUS_ACCESS, KeyAccess, OPEN_ACCESS, type Access } from './access.js';
import { KeyRegistry } from './key-registry.js';
import { EMPTY_REGISTRY, RegistrySnapshot, type LiveKey } from './registry.js';
import { KeyQuotas, resolveQuotas } from './key-quotas.js';
import { ReplayCache, type ReplayGuard } from './replay-cache.js';
import { isWellFormedTopic, TopicPolicy } from './topic-policy.js';
import { clientIdOwner, ownsClientId, verifyConnect, type RefusalReason, type Verdict } from './verify-connect.js';

export interface AuthHost {
  readonly topics: Topics;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  count(event: string): void;
  /** Logs a refused CONNECT, rate-limited: a flood of refusals is summed up, not written line by line. */
  refusedConnect(reason: string, clientId: string, device: string | undefined): void;
}

type Hooks = Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>;

/**
 * Identity and authorization of one broker (DESIGN §7), as aedes hooks: CONNECT proofs checked
 * against the key registry, topics checked per publish, subscribe and delivery. The registry is
 * read from the store at start and every `refreshMs`, so a change made by `stead keys` on the
 * same store (or by another node) applies within that time, and a revoked key's connections close.
 */
export class BrokerAuth {
  readonly keys: KeyRegistry | null;
  readonly #host: AuthHost;
  readonly #options: ResolvedAuth | null;
  readonly #policy: TopicPolicy;
  readonly #access = new WeakMap<Client, Access>();
  /** Each connection's access by client id, for checks made away from the hooks (resource verbs). */
  readonly #byClientId = new Map<string, { client: Client; access: Access }>();
  /** Keyed connections, for closing those of a revoked or replaced key. */
  readonly #live = new Map<Client, LiveKey>();
  /** CONNECTs with an empty client id and clean session false, refused with CONNACK 2. */
  readonly #emptyPersistent = new WeakSet<Client>();
  readonly #replays: ReplayGuard | null;
  readonly #quotas: KeyQuotas | null;
  /** Tokens stamped before this are refused (verify-connect.ts). */
  readonly #notBefore: number;
  #registry = new RegistrySnapshot(0, EMPTY_REGISTRY);
  #timer: TimerHandle | null = null;
  #refreshing: Promise<void> | null = null;
  #closed = false;

  constructor(host: AuthHost, options: AuthOptions | null) {
    this.#host = host;
    // Checked with the broker's options (authOptionsSchema); here only completed.
    this.#options = options ? { ...AUTH_DEFAULTS, ...definedOnly(options) } : null;
    this.#policy = new TopicPolicy(host.topics);
    const resolved = this.#options;
    this.#replays = resolved ? (resolved.replays ?? new ReplayCache({ windowMs: resolved.clockWindowMs, capacity: resolved.replayCacheSize, perKey: resolved.replayPerKey })) : null;
    this.#quotas = resolved ? new KeyQuotas(resolveQuotas(options?.quotas)) : null;
    this.#notBefore = host.clock.now() - (resolved?.startSlackMs ?? 0);
    this.keys = this.#options ? new KeyRegistry(host.store, () => host.clock.now(), () => this.refresh()) : null;
  }

  /** True when CONNECTs must prove a key. */
  get required(): boolean {
    return this.#options !== null;
  }

  /** Reads the registry once (before the listener opens) and starts the refresh loop. */
  async start(aedes: Aedes): Promise<void> {
    aedes.on('clientDisconnect', (client) => {
      this.#forget(client);
      if (this.#byClientId.get(client.id)?.client === client) this.#byClientId.delete(client.id);
    });
    aedes.on('unsubscribe', (filters, client) => {
      for (const filter of filters) this.#quotas?.unsubscribe(client, filter);
    });
    if (!this.#options) return;
    await this.refresh();
    this.#schedule();
  }

  /** Reads the registry now; closes the connections of keys revoked or replaced since. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  /**
   * Whether the connection with this client id may use a proxy (DESIGN §7): for checks made
   * away from the topic hooks, such as session resource verbs naming another proxy. A request
   * already arrived on a proxy's `…/in` topic passed the publish check for that proxy.
   */
  mayUseProxy(clientId: string, app: string, id: string): boolean {
    if (!this.#options) return true;
    const entry = this.#byClientId.get(clientId);
    return entry !== undefined && !entry.client.closed && entry.access.mayUseProxy(app, id);
  }

  /**
   * Whether a message on `topic` may be queued for the client `clientId` while it is offline
   * (a clean-session-false subscriber): the same read check its delivery would pass, asked at
   * enqueue, so nothing it may not read is held for it.
   */
  mayQueue(clientId: string, topic: string): boolean {
    return this.#policy.read(this.#accessOfId(clientId), topic);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) this.#host.clock.clearTimeout(this.#timer);
  }

  hooks(): Hooks {
    return {
      preConnect: (client, packet, callback) => {
        // [MQTT-3.1.3-8] a zero-length client id needs clean session 1; aedes would invent one.
        if (packet.clientId === '' && !packet.clean) this.#emptyPersistent.add(client);
        callback(null, true);
      },
      authenticate: (client, username, password, callback) => {
        if (this.#emptyPersistent.has(client)) return callback(connackError(2, 'identifier rejected'), false);
        const finish = (refusal: RefusalReason | null): void => {
          if (refusal === null) return callback(null, true);
          this.#host.count(`auth.refused.${refusal}`);
          this.#host.refusedConnect(refusal, client.id, username);
          callback(connackError(5, 'not authorized'), false);
        };
        const refusal = this.#authenticate(client, username, password);
        if (refusal === null || typeof refusal === 'string') return finish(refusal);
        refusal.then(finish, (error: unknown) => {
          // A shared replay guard that cannot answer: fail closed.
          this.#host.log.error({ err: error }, 'replay guard failed');
          finish('replay_cache_full');
        });
      },
      authorizePublish: (client, packet, callback) => {
        if (!client) return callback(null);
        if (!isWellFormedTopic(packet.topic)) return callback(this.#badTopic(client, packet.topic));
        const access = this.#accessOf(client);
        const verdict = this.#policy.publish(access, packet.topic, packet.retain);
        if (verdict === 'refuse' || verdict === 'retain') {
          this.#host.count(verdict === 'retain' ? 'auth.refused.retain' : 'auth.refused.publish');
          return callback(new SteadError('REFUSED', `${client.id} may not publish ${verdict === 'retain' ? 'a retained message ' : ''}to this topic`));
        }
        if (verdict === 'misshapen') this.#host.count('dropped.bad_topic');
        if (access instanceof KeyAccess) return this.#wildcardQuota(access, packet.topic, callback);
        callback(null);
      },
      authorizeSubscribe: (client, subscription, callback) => {
        if (!isWellFormedTopic(subscription.topic)) return callback(this.#badTopic(client, subscription.topic), null);
        const access = this.#accessOf(client);
        if (!this.#policy.subscribe(access, subscription.topic)) {
          this.#host.count('auth.refused.subscribe');
          // [MQTT-3.9.3] a refused subscription is granted 128; the connection stays up.
          return callback(null, null);
        }
        if (this.#quotas && !access.isAdmin() && !this.#quotas.subscribe(client, subscription.topic)) {
          this.#host.count('auth.refused.quota_subscriptions');
          return callback(null, null);
        }
        callback(null, subscription);
      },
      authorizeForward: (client, packet) => {
        if (this.#policy.read(this.#accessOf(client), packet.topic)) return packet;
        // A wildcard matched a topic the key may not read: filtered per delivery, counted (issue 8).
        this.#host.count('auth.refused.forward');
        return null;
      },
    };
  }

  #accessOf(client: Client): Access {
    return this.#access.get(client) ?? (this.#options ? NO_ACCESS : OPEN_ACCESS);
  }

  /** The access of a client id, connected or not: its live connection's, else its key's by the id's space. */
  #accessOfId(clientId: string): Access {
    if (!this.#options) return OPEN_ACCESS;
    const live = this.#byClientId.get(clientId);
    if (live) return live.access;
    const owner = this.#registry.get(clientIdOwner(clientId));
    return owner && ownsClientId(owner.device, clientId) ? new KeyAccess(owner.device, () => this.#registry) : NO_ACCESS;
  }

  /** Null when the client may connect (its access recorded), else why not; a promise with a shared replay guard. */
  #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): RefusalReason | null | Promise<RefusalReason | null> {
    // [MQTT-3.1.2-22] a password needs a user name, in every mode.
    if (username === undefined && password !== undefined) return 'malformed';
    const options = this.#options;
    if (!options || !this.#replays) return null;
    if (username === undefined || username === '') {
      if (!options.allowAnonymous) return 'anonymous';
      // Nobody can prove it is the same anonymous client later: no session outlives the connection.
      if (!client.clean) return 'anonymous_persistent';
      // An anonymous client may not take a client id in a key's space (a device's session).
      if (this.#registry.get(clientIdOwner(client.id))) return 'client_id';
      this.#grant(client, ANONYMOUS_ACCESS);
      return null;
    }
    const check = { registry: this.#registry, replays: this.#replays, audience: options.audience, windowMs: options.clockWindowMs, notBefore: this.#notBefore, now: this.#host.clock.now() };
    const verdict = verifyConnect(check, client.id, username, password);
    return verdict instanceof Promise ? verdict.then((v) => this.#admit(client, v)) : this.#admit(client, verdict);
  }

  /** Records a verified key's connection, within its quota. */
  #admit(client: Client, verdict: Verdict): RefusalReason | null {
    if (!verdict.ok) return verdict.reason;
    const key = verdict.key;
    if (!key.admin && this.#quotas && !this.#quotas.connect(key.device)) return 'quota_connections';
    this.#grant(client, new KeyAccess(key.device, () => this.#registry));
    this.#live.set(client, key);
    // Released however the connection ends, registered with aedes or not.
    client.conn.once('close', () => this.#forget(client));
    return null;
  }

  #forget(client: Client): void {
    const key = this.#live.get(client);
    if (!key) return;
    this.#live.delete(client);
    if (!key.admin) this.#quotas?.disconnect(key.device);
  }

  #grant(client: Client, access: Access): void {
    this.#access.set(client, access);
    this.#byClientId.set(client.id, { client, access });
  }

  /** A topic that is not well-formed UTF-8 (or holds U+0000) closes the connection [MQTT-1.5.3-1, -2]. */
  #badTopic(client: Client, topic: string): SteadError {
    this.#host.count('dropped.bad_utf8');
    return new SteadError('REFUSED', `${client.id} sent a topic that is not well-formed UTF-8 (${topic.length} characters)`);
  }

  /**
   * A key reaching a proxy through a wildcard id counts it (key-quotas.ts); past its quota it
   * may still use proxies that have a record, and creates no new one.
   */
  #wildcardQuota(access: KeyAccess, topic: string, callback: (error?: Error | null) => void): void {
    const target = this.#host.topics.parse(topic);
    const quotas = this.#quotas;
    if (!target || !quotas || !access.viaIdWildcard(target.app, target.id)) return callback(null);
    const proxy = `${target.app}/${target.id}`;
    if (quotas.reachWildcard(access.device, proxy)) return callback(null);
    this.#host.store.load(proxy).then(
      (stored) => {
        if (stored) return callback(null);
        this.#host.count('auth.refused.quota_proxies');
        callback(new SteadError('REFUSED', `${access.device} reached its quota of proxies through wildcard grants`));
      },
      (error: unknown) => callback(error as Error),
    );
  }

  async #read(): Promise<void> {
    const keys = this.keys;
    if (!keys) return;
    const changed = await keys.readIfChanged(this.#registry.version);
    if (!changed) return;
    const { version, data } = changed;
    this.#registry = new RegistrySnapshot(version, data, this.#registry);
    this.#host.log.info({ version }, 'key registry changed');
    for (const [client, key] of this.#live) {
      if (this.#registry.get(key.device)?.entry.publicKey === key.entry.publicKey) continue;
      // DESIGN §7: a revoked (or replaced) key keeps no connection.
      this.#forget(client);
      this.#host.count('auth.closed_revoked');
      this.#host.log.warn({ clientId: client.id, device: key.device }, 'connection of a revoked key closed');
      client.close();
    }
  }

  #schedule(): void {
    if (this.#closed || !this.#options) return;
    this.#timer = this.#host.clock.setTimeout(() => {
      this.#timer = null;
      this.refresh().then(
        () => this.#schedule(),
        (error: unknown) => {
          // A read cut short by the broker closing its store is no failure worth a log line.
          if (!this.#closed) this.#host.log.error({ err: error }, 'key registry read failed');
          this.#schedule();
        },
      );
    }, this.#options.refreshMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }
}

const NO_ACCESS: Access = { isAdmin: () => false, mayUseProxy: () => false, mayUseTopic: () => false };

function connackError(returnCode: 2 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
