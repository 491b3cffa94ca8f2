import type { SteadError } from '../../../shared/errors.js';
import type { BlobFrame, Begun, NotifyFrame, ReplyFrame } from '../../../shared/wire/frames.js';
import type { PendingCall } from '../pending.js';

/** What the session waits for: an incoming frame answers one of these, or none. */
export interface AnswerView {
  readonly nonce: Uint8Array | null;
  readonly begin: { readonly ref: Uint8Array } | null;
  readonly end: { readonly ref: Uint8Array; readonly seq: number } | null;
  readonly calls: { get(seq: number): PendingCall | undefined };
  /** The ref of the last blob request (null when none was made). */
  readonly blobRef: Uint8Array | null;
}

/**
 * What an incoming frame means to the session, decided without acting on it (the session applies
 * it). `none` says why nothing happens: `retry` (the request was not taken; the retry timer sends
 * it again under the same seq), `past` (a refusal of an ack or hello of an instance already left),
 * `stray` (a reply to nothing this session waits for: a duplicate, or a call that already failed).
 */
export type Answer =
  | { readonly to: 'none'; readonly why: 'retry' | 'past' | 'stray' }
  /** The begin in flight was answered: its nonce, memento and `crashed`. */
  | { readonly to: 'begun'; readonly begun: Begun }
  | { readonly to: 'begin-failed'; readonly error: SteadError }
  /** The end in flight was answered (error null) or refused. */
  | { readonly to: 'ended'; readonly error: SteadError | null }
  | { readonly to: 'call'; readonly call: PendingCall; readonly value: unknown }
  /** The call fails; the instance goes on (the catalogue's `fail`). */
  | { readonly to: 'call-failed'; readonly call: PendingCall; readonly error: SteadError }
  /** Another instance holds the session (the catalogue's `fenced`). */
  | { readonly to: 'fenced'; readonly error: SteadError }
  /** This instance cannot go on (the catalogue's `begin`). */
  | { readonly to: 'instance-over'; readonly error: SteadError }
  | { readonly to: 'notification'; readonly frame: NotifyFrame }
  /** A sealed blob from the proxy, to keep. */
  | { readonly to: 'blob'; readonly frame: BlobFrame }
  /** The proxy's answer to the last blob request: restored, current or kept. */
  | { readonly to: 'blob-status'; readonly frame: ReplyFrame }
  | { readonly to: 'blob-refused'; readonly ref: Uint8Array | null; readonly error: SteadError }
  /** The answer to a hello: the queue's horizon and epoch; epoch null: the proxy keeps no queue for the session. */
  | { readonly to: 'hello'; readonly horizon: number; readonly epoch: Uint8Array | null }
  /** Nothing waits for it: the session's `onError` handlers hear of it. */
  | { readonly to: 'report'; readonly error: unknown };

export const RETRY: Answer = { to: 'none', why: 'retry' };
export const PAST: Answer = { to: 'none', why: 'past' };
export const STRAY: Answer = { to: 'none', why: 'stray' };
