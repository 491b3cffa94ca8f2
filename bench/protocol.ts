/** Messages between the bench orchestrator (broker process) and the clients child process. */

/** `raw-durable`: raw aedes plus one fdatasync before each reply batch (see raw-echo.ts). */
export type RowMode = 'raw' | 'raw-durable' | 'stead' | 'stead-shared';

/**
 * One group: a client set per mode for the same number of devices, all connected up front. The
 * sets take turns, modes then modes reversed, `segments` times (A B B A A B …), so load that
 * drifts during the run (another process on the machine) hits every mode alike.
 */
export interface GroupSpec {
  /** Unique per run; used in client ids so groups never collide. */
  label: string;
  modes: readonly RowMode[];
  devices: number;
  url: string;
  /** Before a mode's first measured segment. */
  warmupMs: number;
  /** Before each later segment, to refill the pipeline after the switch. */
  settleMs: number;
  segmentMs: number;
  /** Measured segments per mode. */
  segments: number;
  /** Clients connected (and begun) concurrently while setting up. */
  connectBatch: number;
  /** Bytes of a raw request (its reply is sized by the broker's echo). */
  rawRequestBytes: number;
}

export interface LatencySummary {
  calls: number;
  seconds: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Calls per second of each measured segment, to show how steady the run was. */
  segmentCallsPerSec: number[];
}

export interface ModeOutcome {
  mode: RowMode;
  summary: LatencySummary;
  failures: number;
  setupMs: number;
  /** CPU time (user + system) the clients process used during the measured segments. */
  cpuMs: number;
}

export type ParentMessage = { type: 'group'; group: GroupSpec } | { type: 'exit' };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'measuring'; label: string; mode: RowMode }
  | { type: 'measured'; label: string; mode: RowMode }
  | { type: 'result'; label: string; outcomes: ModeOutcome[] }
  | { type: 'failed'; label: string; message: string };
