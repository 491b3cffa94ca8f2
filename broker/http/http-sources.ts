import type { History, PrometheusExporter } from '../metrics/index.js';
import type { ProxyView } from '../proxy/proxy-view.js';
import type { AdminCredential } from './admin-credential.js';
import type { Health, ProxySummary, StatusReport } from './admin-types.js';

/** What the HTTP listener reads from the broker; the host provides it. */
export interface HttpSources {
  readonly exporter: PrometheusExporter;
  readonly history: History;
  readonly admin: AdminCredential;
  status(): StatusReport;
  proxies(query: string, limit: number): ProxySummary[];
  inspect(key: string): Promise<ProxyView | null>;
  health(): Promise<Health>;
  /** Whether a request's `Host` header names this listener (host-check.ts). */
  hostAllowed(host: string | undefined): boolean;
  /** Counts a refusal in the broker's metrics. */
  count(event: string): void;
}
