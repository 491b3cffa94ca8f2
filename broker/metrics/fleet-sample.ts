/**
 * What the host reads from the runtime and aedes when someone looks (a scrape, a status
 * request, a dashboard tick): gauges and distributions, never one series per proxy or device.
 */
export interface FleetSample {
  readonly connections: number;
  /** Proxies hosted in memory, and those of them with their record loaded. */
  readonly proxiesLive: number;
  readonly proxiesLoaded: number;
  readonly sessions: number;
  readonly timersPending: number;
  /** Commits in flight whose outputs wait at a proxy's output gate, over all proxies. */
  readonly gateBacklog: number;
  /** Writes waiting for or inside a store transaction. */
  readonly storePending: number;
  /** One entry per hosted proxy: messages in its inbox. */
  readonly inboxDepths: readonly number[];
  /** One entry per loaded session: notifications not yet acknowledged. */
  readonly queueDepths: readonly number[];
}

/** How the store is doing, from the group committer (ms since the epoch; 0 if never). */
export interface StoreHealth {
  readonly url: string;
  readonly lastSuccessAt: number;
  readonly lastFailureAt: number;
  readonly pending: number;
}

/** Depth buckets for inbox and queue distributions. */
export const DEPTH_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
