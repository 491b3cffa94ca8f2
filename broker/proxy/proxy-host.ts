import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import type { Limits } from '../../shared/limits.js';
import type { Random } from '../../shared/random.js';
import type { Frame } from '../../shared/wire/frames.js';
import type { BlobSeal } from '../record/blob-seal.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';
import type { CommitEvents } from './commit-events.js';
import type { Outbound } from './outbound.js';

/** What every proxy shares with the runtime that hosts it. */
export interface ProxyHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly log: Logger;
  readonly outbound: Outbound;
  /** Sessions not seen for this long are swept (docs/sessions.md); null: never. */
  readonly idleTtlMs: number | null;
  readonly commits: CommitEvents;
  /** Seals session blobs for types that keep them (DESIGN §7); null without a blob key. */
  readonly blobSeal?: BlobSeal | null;
  count(event: string): void;
  /** A call's latency in seconds, from its arrival to its reply leaving the gate (metrics). */
  observe(event: 'call', seconds: number): void;
  /** A request refused before any method ran: logged once per code and session, rate-limited. */
  refused(code: string, proxy: string, session: string, nonce: Uint8Array | null): void;
}

/** What waits in a proxy's inbox: a device's frame, or a reason to wake. */
export type InboxItem =
  | { kind: 'frame'; session: string; frame: Frame; at: number }
  | { kind: 'pulse' }
  | { kind: 'timer' }
  | { kind: 'expire'; session: string; seq: number }
  /** The blob keepers' grace of a provisional record ended (protocol/blobs/provisional.ts). */
  | { kind: 'grace' };
