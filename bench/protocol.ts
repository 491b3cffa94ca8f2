/** Messages between the bench orchestrator (broker process) and the clients child process. */

export type RowMode = 'raw' | 'stead' | 'stead-shared';

export interface RowSpec {
  /** Unique per run; used in client ids so rows never collide. */
  label: string;
  mode: RowMode;
  devices: number;
  url: string;
  warmupMs: number;
  durationMs: number;
  /** Clients connected (and begun) concurrently while setting up. */
  connectBatch: number;
  /** Bytes of a raw request and of its echoed reply (sized like Stead's frames). */
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
}

export type ParentMessage = { type: 'row'; row: RowSpec } | { type: 'exit' };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'measuring'; label: string }
  | { type: 'measured'; label: string }
  | { type: 'result'; label: string; summary: LatencySummary; failures: number; setupMs: number }
  | { type: 'failed'; label: string; message: string };
