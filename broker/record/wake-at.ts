import { idleWake } from './idle.js';
import { timerWake, type ProxyRecord } from './record.js';

/** What the wake sources need besides the record: the broker's settings. */
export interface WakePolicy {
  /** Idle sessions are swept after this long (docs/sessions.md); null: never. */
  readonly idleTtlMs: number | null;
}

/** One reason a proxy must run without a request, as the time it comes due (null: none). */
export type WakeSource = (record: ProxyRecord, policy: WakePolicy) => number | null;

/**
 * Every reason a stored proxy must be woken even if nobody calls it. The earliest is stored with
 * each commit (`ProxyWrite.wakeAt`), so the store's `listWaking` finds proxies that are not
 * loaded, and the live proxy arms one wake-up for it (wakeups.ts). A new kind of expiry is one
 * more source here.
 */
const WAKE_SOURCES: readonly WakeSource[] = [
  timerWake,
  (record, policy) => idleWake(record, policy.idleTtlMs),
  // Expired session resources are purged by a commit (resources.ts).
  (record) => record.resourceExpiry ?? null,
];

export function wakeAt(record: ProxyRecord, policy: WakePolicy): number | null {
  let earliest: number | null = null;
  for (const source of WAKE_SOURCES) {
    const at = source(record, policy);
    if (at !== null && (earliest === null || at < earliest)) earliest = at;
  }
  return earliest;
}
