import type { AckFrame } from '../../shared/wire/frames.js';
import { acked } from '../record/session-steps.js';
import type { SessionView, Verdict } from './verdict.js';

/** Cumulative acknowledgement of notifications: acknowledged items leave the queue. */
export function handleAck(view: SessionView, session: string, frame: AckFrame): Verdict {
  const s = view.session(session);
  const next = s && acked(s, frame.seq);
  if (!next || next === s) return { kind: 'nothing' };
  return { kind: 'update', session: next, send: null, durable: true, dropHeld: false, resendQueue: false };
}
