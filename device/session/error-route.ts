import { deviceReaction, type SteadError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/bytes.js';
import type { ErrorFrame } from '../../shared/wire/frames.js';
import type { CallWindow } from './call-window.js';
import type { PendingCall } from './pending.js';

/**
 * Where an error frame from the proxy goes: the request it answers, and what the session does,
 * as the error catalogue says for its code (shared/errors.ts, docs/errors.md).
 */
export type ErrorRoute =
  /** `retry`: the request was not taken; the retry timer sends it again (same seq). */
  | { to: 'retry' }
  /** It answers the begin, or the end, in flight. */
  | { to: 'begin' }
  | { to: 'end' }
  /** `fenced`: another instance holds the session. */
  | { to: 'fenced' }
  /** `begin`: this instance cannot go on. */
  | { to: 'instance-over' }
  /** `fail`: the call fails; the instance goes on. */
  | { to: 'call'; call: PendingCall }
  /** It refuses an ack or hello of an instance this session has already left: nothing to do. */
  | { to: 'past' }
  /** It answers nothing this session waits for: `onError`. */
  | { to: 'nobody' };

/** What the session is waiting for. */
export interface Waiting {
  begin: { ref: Uint8Array } | null;
  end: { ref: Uint8Array; seq: number } | null;
  nonce: Uint8Array | null;
  calls: CallWindow;
}

const RETRY: ErrorRoute = { to: 'retry' };
const BEGIN: ErrorRoute = { to: 'begin' };
const END: ErrorRoute = { to: 'end' };
const FENCED: ErrorRoute = { to: 'fenced' };
const OVER: ErrorRoute = { to: 'instance-over' };
const PAST: ErrorRoute = { to: 'past' };
const NOBODY: ErrorRoute = { to: 'nobody' };

export function routeError(error: SteadError, frame: ErrorFrame, waiting: Waiting): ErrorRoute {
  const reaction = deviceReaction(error.code);
  if (reaction === 'retry') return RETRY;
  if (waiting.begin && frame.seq === 0 && bytesEqual(frame.ref, waiting.begin.ref)) return BEGIN;
  if (waiting.end && frame.seq === waiting.end.seq && bytesEqual(frame.ref, waiting.end.ref)) return END;
  // Seq 0 with a nonce answers no request: the proxy refused that instance's ack or hello.
  const aboutInstance = frame.seq === 0 && frame.ref !== null;
  if (!bytesEqual(frame.ref, waiting.nonce)) return aboutInstance ? PAST : NOBODY;
  const call = aboutInstance ? null : waiting.calls.get(frame.seq);
  if (call === undefined) return NOBODY;
  if (reaction === 'fenced') return FENCED;
  if (reaction === 'begin') return OVER;
  return call ? { to: 'call', call } : NOBODY;
}
