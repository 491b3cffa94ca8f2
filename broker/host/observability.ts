import type { Logger } from 'pino';
import { AdminCredential } from '../http/admin-credential.js';
import { hostChecker, isLoopback } from '../http/host-check.js';
import { parseHostPort, startHttpListener, type HttpListener } from '../http/http-listener.js';
import type { HttpSources } from '../http/http-sources.js';
import { route } from '../http/routes.js';
import { History, PrometheusExporter } from '../metrics/index.js';
import { fleetStatus, probeHealth, proxySummaries, sampleFleet, storeHealth, type FleetParts } from './fleet.js';

export interface ObservabilityOptions {
  /** `host:port` of the HTTP listener (loopback unless a host is named). */
  readonly http: string;
  readonly adminToken?: string;
  /** Host names the listener answers to besides loopback and its own host (DNS rebinding). */
  readonly hosts?: readonly string[];
  /** Chart and rate interval in ms; default 1000. */
  readonly historyEveryMs?: number;
}

/**
 * DESIGN §10: the HTTP listener with `/metrics`, `/healthz`, the admin API and the dashboard,
 * over the event feed and a fleet sample. Nothing here is on the call path.
 */
export async function startObservability(options: ObservabilityOptions, parts: FleetParts, log: Logger): Promise<HttpListener> {
  // Checked before the listener opens: a short admin token leaves nothing to close.
  const admin = new AdminCredential(options.adminToken);
  // Checked by the broker's options schema (hostPortSchema) before any step ran.
  const { host } = parseHostPort(options.http) ?? { host: '127.0.0.1' };
  const history = new History(parts.metrics, { everyMs: options.historyEveryMs ?? 1000 });
  const sources: HttpSources = {
    exporter: new PrometheusExporter({ metrics: parts.metrics, sample: () => sampleFleet(parts), store: () => storeHealth(parts), startedAt: parts.startedAt }),
    history,
    admin,
    status: () => fleetStatus(parts, history),
    proxies: (query, limit) => proxySummaries(parts, query, limit),
    inspect: (key) => parts.runtime.inspect(key),
    health: () => probeHealth(parts),
    hostAllowed: hostChecker(host, options.hosts),
    count: (event) => parts.metrics.count(event),
  };
  let listener: HttpListener;
  try {
    listener = await startHttpListener(options.http, (request, response) => route(sources, request, response), (error) => log.error({ err: error }, 'http request failed'));
  } catch (error) {
    history.stop();
    throw error;
  }
  log.info({ http: listener.url, admin: sources.admin.configured }, 'stead http listening');
  if (!isLoopback(listener.host)) {
    log.warn({ http: listener.url }, 'the HTTP listener is reachable beyond loopback and speaks plain HTTP: put it behind a TLS reverse proxy (docs/operations.md), and name its host in httpHosts');
  }
  return {
    ...listener,
    close: async () => {
      history.stop();
      await listener.close();
    },
  };
}
