/** Messages between the simulate bench (broker process) and its clients child (bench/simulate-clients.ts). */
export type SimulateMode = 'raw' | 'stead';

export interface SimulateJob {
  type: 'job';
  mode: SimulateMode;
  url: string;
  devices: number;
  connectBatch: number;
}

export type SimulateChildMessage =
  | { type: 'ready' }
  /** Every device is connected (and, for stead, has begun its session and had one call answered). */
  | { type: 'holding'; connectMs: number }
  | { type: 'done'; calls: number; errors: Record<string, number>; p50Ms: number; p99Ms: number; cpuPercent: number }
  | { type: 'failed'; message: string };

export type SimulateParentMessage = SimulateJob | { type: 'release' } | { type: 'exit' };
