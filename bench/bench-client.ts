/** One benchmark client: a closed loop of request/response round trips. */
export interface BenchClient {
  /** Calls that failed (Stead) or connection errors (raw). */
  readonly failures: number;
  /** Starts the loop: each request is sent when the previous answer arrives. */
  start(): void;
  /** Stops sending; resolves when the request in flight, if any, is answered. */
  stop(): Promise<void>;
  close(): Promise<void>;
}
