/** What `GET /api/status` answers and `stead status` prints. */
export interface StatusReport {
  readonly uptimeSeconds: number;
  /** The MQTT listener, for devices. */
  readonly mqtt: string;
  readonly connections: number;
  readonly proxiesLive: number;
  readonly proxiesLoaded: number;
  readonly sessions: number;
  readonly timersPending: number;
  readonly gateBacklog: number;
  readonly callsTotal: number;
  /** Over the last minute (or since start, if sooner). */
  readonly callsPerSecond: number;
  readonly commitsPerSecond: number;
  /** Call latency p99 in seconds over the last minute; null without calls. */
  readonly p99Seconds: number | null;
  readonly errors: Readonly<Record<string, number>>;
  readonly dropped: Readonly<Record<string, number>>;
  readonly store: StoreStatus;
}

export interface StoreStatus {
  readonly url: string;
  readonly healthy: boolean;
  /** ms since the epoch; 0 if never. */
  readonly lastCommitAt: number;
  readonly pendingWrites: number;
}

/** One row of `GET /api/proxies`: a hosted proxy at a glance. */
export interface ProxySummary {
  readonly key: string;
  readonly loaded: boolean;
  readonly sessions: number;
  readonly inbox: number;
  /** Notifications not yet acknowledged, over its sessions. */
  readonly queued: number;
  readonly gateBacklog: number;
  readonly timers: number;
}

export interface Health {
  readonly ok: boolean;
  /** The MQTT listener accepted a TCP connection just now. */
  readonly mqtt: boolean;
  /** The store's last transaction succeeded and none is stuck. */
  readonly store: boolean;
}
