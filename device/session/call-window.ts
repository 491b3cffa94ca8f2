import type { SteadError } from '../../shared/errors.js';
import type { PendingCall } from './pending.js';

/**
 * The calls of one session instance: waiting to be sent, and in flight under a seq (DESIGN §4:
 * the device's in-flight window, default 1). The window is a span, not a count: seq n goes out
 * only while `n - answered ≤ size`, so a call waiting for its retry holds back the seqs after it,
 * and the proxy's reply cache (which keeps the replies above `answered`) always still holds its
 * reply. Seqs are handed out in call order with no gaps.
 */
export class CallWindow {
  readonly size: number;
  readonly #inflight = new Map<number, PendingCall>();
  #waiting: PendingCall[] = [];
  #nextSeq = 1;
  #idleWaiters: (() => void)[] = [];

  constructor(size: number) {
    this.size = size;
  }

  get idle(): boolean {
    return this.#inflight.size === 0 && this.#waiting.length === 0;
  }

  /** Resolves once no call waits or is in flight (or the session gives up on them all). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  releaseIdle(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  get hasWaiting(): boolean {
    return this.#waiting.length > 0;
  }

  get hasInflight(): boolean {
    return this.#inflight.size > 0;
  }

  inflight(): IterableIterator<PendingCall> {
    return this.#inflight.values();
  }

  queue(call: PendingCall): void {
    this.#waiting.push(call);
  }

  /** The next waiting call, now in flight under the next seq; undefined when the span is full. */
  admit(): PendingCall | undefined {
    if (this.#nextSeq - this.answered() > this.size) return undefined;
    const call = this.#waiting.shift();
    if (!call) return undefined;
    call.seq = this.#nextSeq++;
    this.#inflight.set(call.seq, call);
    return call;
  }

  /** Takes back the call just admitted (it could not be sent): its seq is reused. */
  withdraw(call: PendingCall): void {
    if (call.seq !== this.#nextSeq - 1) throw new Error('only the last admitted call can be withdrawn');
    this.#inflight.delete(call.seq);
    this.#nextSeq--;
  }

  /** The seq the next admitted call gets (when none is waiting ahead of it). */
  peekSeq(): number {
    return this.#nextSeq;
  }

  /** A seq outside the call sequence, for end. */
  nextSeq(): number {
    return this.#nextSeq++;
  }

  /** Highest seq up to which every reply has arrived. */
  answered(): number {
    let lowest = this.#nextSeq;
    for (const seq of this.#inflight.keys()) if (seq < lowest) lowest = seq;
    return lowest - 1;
  }

  get(seq: number): PendingCall | undefined {
    return this.#inflight.get(seq);
  }

  /** Removes a call wherever it is; false if it was neither waiting nor in flight. */
  remove(call: PendingCall): boolean {
    if (call.seq > 0 && this.#inflight.get(call.seq) === call) return this.#inflight.delete(call.seq);
    const at = this.#waiting.indexOf(call);
    if (at < 0) return false;
    this.#waiting.splice(at, 1);
    return true;
  }

  /** Calls, waiting or in flight, whose deadline is at or before `now`. */
  due(now: number): PendingCall[] {
    const due = this.#waiting.filter((call) => call.deadlineAt <= now);
    for (const call of this.#inflight.values()) if (call.deadlineAt <= now) due.push(call);
    return due;
  }

  /** The earliest deadline of any call, or Infinity. */
  earliestDeadline(): number {
    let earliest = Infinity;
    for (const call of this.#waiting) if (call.deadlineAt < earliest) earliest = call.deadlineAt;
    for (const call of this.#inflight.values()) if (call.deadlineAt < earliest) earliest = call.deadlineAt;
    return earliest;
  }

  /** Whether the call is still waiting or in flight. */
  holds(call: PendingCall): boolean {
    return (call.seq > 0 && this.#inflight.get(call.seq) === call) || this.#waiting.includes(call);
  }

  isWaiting(call: PendingCall): boolean {
    return this.#waiting.includes(call);
  }

  /** Rejects every call in flight; they leave the window. */
  failInflight(error: SteadError): void {
    const calls = [...this.#inflight.values()];
    this.#inflight.clear();
    for (const call of calls) call.reject(error);
  }

  /** Rejects every call waiting to be sent. */
  failWaiting(error: SteadError): void {
    const calls = this.#waiting;
    this.#waiting = [];
    for (const call of calls) call.reject(error);
  }

  /** A new instance: seqs start again at 1, or at `nextSeq` for an adopted instance. */
  restart(nextSeq = 1): void {
    this.#nextSeq = nextSeq;
  }
}
