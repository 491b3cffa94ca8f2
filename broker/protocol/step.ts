import type { SteadError } from '../../shared/errors.js';
import type { CallFrame, ResourceFrame } from '../../shared/wire/frames.js';
import type { DurableTimer, ProxyRecord } from '../record/record.js';
import { errorBytes } from '../record/replies.js';
import type { Release } from '../transaction/transaction.js';

/**
 * App code or a resource verb the actor runs next, on the record the step left (DESIGN §4 rules
 * 5–7); its outcome comes back through `settle` (runs/settle.ts) as the next Step. Plain data, so
 * a table test can compare it and the hot path allocates no closure.
 */
export type Run =
  | { readonly kind: 'call'; readonly session: string; readonly frame: CallFrame }
  | { readonly kind: 'resource'; readonly session: string; readonly frame: ResourceFrame }
  | { readonly kind: 'timer'; readonly due: DurableTimer }
  | { readonly kind: 'pulse' };

/**
 * What one decision of the session protocol comes to: the one result every rule returns, carried
 * out by the proxy's one apply path. Everything is optional but `record`, `durable` and
 * `releases`, so a step says only what it does.
 */
export interface Step {
  /** The proxy's next record; null: unchanged. */
  readonly record: ProxyRecord | null;
  /** Rule 7: write `record` before anything of this step (or after it) leaves. */
  readonly durable: boolean;
  /** Frames to send, in order, through the output gate. */
  readonly releases: readonly Release[];
  /** Rule 4: a call that waits for the gap before it. */
  readonly hold?: { readonly session: string; readonly frame: CallFrame };
  /** Sessions whose held requests are forgotten (a new instance, an end, a sweep); 'all' after a restore. */
  readonly dropHeld?: readonly string[] | 'all';
  /** Seq `seq` of `session` is done: a request held for `seq + 1` may run next, before anything else. */
  readonly after?: { readonly session: string; readonly seq: number };
  /** Run this next, on the record this step leaves. */
  readonly run?: Run;
  /** A session whose device keeps sealed blobs (DESIGN §7), learned from its blob request. */
  readonly keeper?: string;
  /** The error this step answers with: counted by code. */
  readonly error?: SteadError;
  /** A request refused before any method ran: logged (rate-limited) with the ref it named. */
  readonly refused?: { readonly session: string; readonly ref: Uint8Array | null };
  /** The releases carry a call's answer: its latency is observed when they leave. */
  readonly answers?: boolean;
  /** Events to count besides the error (`blobs.restored`, `sessions.swept`). */
  readonly counts?: readonly string[];
  /** Something app code did that an operator must see, though nobody is answered (a failed pulse). */
  readonly warning?: { readonly message: string; readonly error: SteadError; readonly timer?: string };
  /** The wake-up found nothing due: arm the next one from the record. */
  readonly rearm?: boolean;
}

const NO_RELEASES: readonly Release[] = Object.freeze([]);

/** Nothing to do. */
export const NOTHING: Step = Object.freeze({ record: null, durable: false, releases: NO_RELEASES });

/** Bytes that need no commit of their own: a cached reply, a repeated answer. */
export function send(session: string, bytes: Uint8Array): Step {
  return { record: null, durable: false, releases: [{ session, bytes }] };
}

/** A typed error for the frame's (ref, seq); not cached, nothing changed. */
export function refuse(session: string, ref: Uint8Array | null, seq: number, error: SteadError): Step {
  return { record: null, durable: false, releases: [{ session, bytes: errorBytes(ref, seq, error) }], error, refused: { session, ref } };
}

