import type { BlobKeeping } from './blob-keeping.js';
import { CallWindow } from './call-window.js';
import type { PendingControl } from './pending.js';
import type { BeginResult } from './types.js';

/**
 * What a session knows of its current instance (DESIGN §4): the nonce, the begin or end in
 * flight, the call window and whether the session may still act. Every part of the session reads
 * it; the session (attached, closed), the instance's lifecycle (instance.ts) and the call flow
 * (call-flow.ts) change it; the outbox and the answers only read it.
 */
export class SessionState {
  readonly calls: CallWindow;
  readonly autoBegin: boolean;
  readonly blobs: BlobKeeping | null;
  nonce: Uint8Array | null = null;
  begin: PendingControl<BeginResult> | null = null;
  end: PendingControl<void> | null = null;
  /** A newer instance took the session: no automatic begin fights it. */
  fenced = false;
  /** The app ended the instance: notification handlers alone do not begin another. */
  ended = false;
  closed = false;
  /** Subscribed on the current connection: sends go out. */
  attached = false;
  /** The answer of the last begin: the memento and whether the previous instance crashed. */
  lastBegin: BeginResult | null = null;

  constructor(window: number, autoBegin: boolean, blobs: BlobKeeping | null) {
    this.calls = new CallWindow(window);
    this.autoBegin = autoBegin;
    this.blobs = blobs;
  }

  /** The ref of the last blob request, which its answer carries (null without blobs). */
  get blobRef(): Uint8Array | null {
    return this.blobs?.requestRef ?? null;
  }
}
