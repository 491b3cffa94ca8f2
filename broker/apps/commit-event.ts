/**
 * A proxy's record became durable (DESIGN §4 rule 7): what changed, told after the store
 * confirmed, to the broker's `commit` listeners, the `$events` topic and the app's `onCommit`.
 */
export interface CommitEvent {
  readonly app: string;
  readonly id: string;
  /** The store version the commit wrote (1 for the proxy's first write). */
  readonly version: number;
  /** Sessions the commit changed, added or removed (swept), in no particular order. */
  readonly sessions: readonly string[];
  /** When the store confirmed, on the broker's clock (ms since the epoch). */
  readonly time: number;
}
