import type { Aedes, AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { definedOnly } from '../../shared/options.js';
import type { Topics } from '../../shared/topics.js';
import type { Store } from '../store/types.js';
import { AUTH_DEFAULTS, type AuthOptions } from './auth-options.js';
import { ANONYMOUS_ACCESS, KeyAccess, OPEN_ACCESS, type Access } from './access.js';
import { KeyRegistry } from './key-registry.js';
import { EMPTY_REGISTRY, RegistrySnapshot, type LiveKey } from './registry.js';
import { ReplayCache } from './replay-cache.js';
import { TopicPolicy } from './topic-policy.js';
import { clientIdOwner, verifyConnect, type RefusalReason } from './verify-connect.js';

export interface AuthHost {
  readonly topics: Topics;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  count(event: string): void;
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
  readonly #options: Required<AuthOptions> | null;
  readonly #policy: TopicPolicy;
  readonly #access = new WeakMap<Client, Access>();
  /** Each connection's access by client id, for checks made away from the hooks (resource verbs). */
  readonly #byClientId = new Map<string, { client: Client; access: Access }>();
  /** Keyed connections, for closing those of a revoked or replaced key. */
  readonly #live = new Map<Client, LiveKey>();
  /** CONNECTs with an empty client id and clean session false, refused with CONNACK 2. */
  readonly #emptyPersistent = new WeakSet<Client>();
  readonly #replays: ReplayCache | null;
  #registry = new RegistrySnapshot(0, EMPTY_REGISTRY);
  #timer: TimerHandle | null = null;
  #refreshing: Promise<void> | null = null;
  #closed = false;

  constructor(host: AuthHost, options: AuthOptions | null) {
    this.#host = host;
    // Checked with the broker's options (authOptionsSchema); here only completed.
    this.#options = options ? { ...AUTH_DEFAULTS, ...definedOnly(options) } : null;
    this.#policy = new TopicPolicy(host.topics);
    this.#replays = this.#options ? new ReplayCache(this.#options.clockWindowMs, this.#options.replayCacheSize) : null;
    this.keys = this.#options ? new KeyRegistry(host.store, () => host.clock.now(), () => this.refresh()) : null;
  }

  /** True when CONNECTs must prove a key. */
  get required(): boolean {
    return this.#options !== null;
  }

  /** Reads the registry once (before the listener opens) and starts the refresh loop. */
  async start(aedes: Aedes): Promise<void> {
    aedes.on('clientDisconnect', (client) => {
      this.#live.delete(client);
      if (this.#byClientId.get(client.id)?.client === client) this.#byClientId.delete(client.id);
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
        const refusal = this.#authenticate(client, username, password);
        if (refusal === null) return callback(null, true);
        this.#host.count(`auth.refused.${refusal}`);
        this.#host.log.warn({ clientId: client.id, device: username, reason: refusal, code: 'STEAD_E_NOT_AUTHORIZED' }, 'connect refused');
        callback(connackError(5, 'not authorized'), false);
      },
      authorizePublish: (client, packet, callback) => {
        if (!client) return callback(null);
        const verdict = this.#policy.publish(this.#accessOf(client), packet.topic);
        if (verdict === 'refuse') {
          this.#host.count('auth.refused.publish');
          return callback(new SteadError('REFUSED', `${client.id} may not publish to ${packet.topic}`));
        }
        if (verdict === 'misshapen') this.#host.count('dropped.bad_topic');
        callback(null);
      },
      authorizeSubscribe: (client, subscription, callback) => {
        if (this.#policy.subscribe(this.#accessOf(client), subscription.topic)) return callback(null, subscription);
        this.#host.count('auth.refused.subscribe');
        // [MQTT-3.9.3] a refused subscription is granted 128; the connection stays up.
        callback(null, null);
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

  /** Null when the client may connect (its access recorded), else why not. */
  #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): RefusalReason | null {
    const options = this.#options;
    if (!options || !this.#replays) return null;
    if (username === undefined || username === '') {
      if (!options.allowAnonymous) return 'anonymous';
      // An anonymous client may not take a client id in a key's space (a device's session).
      if (this.#registry.get(clientIdOwner(client.id))) return 'client_id';
      this.#grant(client, ANONYMOUS_ACCESS);
      return null;
    }
    const check = { registry: this.#registry, replays: this.#replays, audience: options.audience, windowMs: options.clockWindowMs, now: this.#host.clock.now() };
    const verdict = verifyConnect(check, client.id, username, password);
    if (!verdict.ok) return verdict.reason;
    this.#grant(client, new KeyAccess(verdict.key.device, () => this.#registry));
    this.#live.set(client, verdict.key);
    return null;
  }

  #grant(client: Client, access: Access): void {
    this.#access.set(client, access);
    this.#byClientId.set(client.id, { client, access });
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
      this.#live.delete(client);
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
