import { SteadError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { assertName } from '../../shared/names.js';
import type { NotifyOptions, QueuePolicy, QueuedNotification } from './define-proxy.js';
import { newSession, touchSession, type ProxyRecord, type SessionRecord } from './record.js';

interface PendingNotification {
  payload: unknown;
  target: string | RegExp;
  key: string | null;
}

interface QueueLimit {
  session: string;
  length: number;
  policy: QueuePolicy;
}

interface TimerRequest {
  at: number;
  method: string;
  args: unknown[];
}

/** Shared until a method asks for something: most calls buffer nothing (one transaction each). */
const NONE: readonly never[] = Object.freeze([]);

/** What a method asked for; applied to the record only if the method returns (DESIGN §4 rule 5). */
export class Effects {
  #notifications: PendingNotification[] | null = null;
  #queueLimits: QueueLimit[] | null = null;
  #timers: TimerRequest[] | null = null;
  memento: { value: unknown } | null = null;

  get notifications(): readonly PendingNotification[] {
    return this.#notifications ?? NONE;
  }

  get queueLimits(): readonly QueueLimit[] {
    return this.#queueLimits ?? NONE;
  }

  get timers(): readonly TimerRequest[] {
    return this.#timers ?? NONE;
  }

  addTimer(at: number, method: string, args: unknown[]): void {
    (this.#timers ??= []).push({ at, method, args });
  }

  get empty(): boolean {
    return this.#notifications === null && this.#queueLimits === null && this.memento === null && this.#timers === null;
  }

  notify(payload: unknown, target: string | RegExp, options: NotifyOptions | undefined): void {
    if (typeof target === 'string') assertName('session', target);
    else if (!(target instanceof RegExp)) throw new SteadError('BAD_OPTIONS', 'notify target is a session name or a RegExp');
    (this.#notifications ??= []).push({ payload, target, key: options?.key ?? null });
  }

  limitQueue(length: number, session: string, policy: QueuePolicy = 'drop-oldest'): void {
    assertName('session', session);
    if (!Number.isInteger(length) || length < 1 || length > LIMITS.maxQueueLength) {
      throw new SteadError('BAD_OPTIONS', `queue length must be an integer from 1 to ${LIMITS.maxQueueLength}`);
    }
    if (policy !== 'drop-oldest' && policy !== 'coalesce' && policy !== 'refuse') {
      throw new SteadError('BAD_OPTIONS', `unknown queue policy ${String(policy)}`);
    }
    (this.#queueLimits ??= []).push({ session, length, policy });
  }
}

/** Sessions that received notifications in one commit, with the new items to send. */
export type Delivery = Map<string, QueuedNotification[]>;

/**
 * Checks, without changing anything, that the effects can apply: sessions they would create fit
 * the limit (SESSION_LIMIT) and no refusing queue overflows (QUEUE_FULL). Run inside the
 * transaction, so a refusal aborts it like a throw from app code.
 */
export function checkEffects(record: ProxyRecord, effects: Effects): void {
  if (effects.empty) return;
  const named = new Set<string>();
  for (const { session } of effects.queueLimits) named.add(session);
  for (const { target } of effects.notifications) if (typeof target === 'string') named.add(target);
  let created = 0;
  for (const name of named) if (!record.sessions.has(name)) created++;
  if (created > 0 && record.sessions.size + created > LIMITS.maxSessionsPerProxy) {
    throw new SteadError('SESSION_LIMIT', `proxy keeps ${LIMITS.maxSessionsPerProxy} sessions at most`);
  }
  const added = new Map<string, number>();
  for (const { target } of effects.notifications) {
    const names = typeof target === 'string' ? [target] : [...record.sessions.keys()].filter((name) => matches(target, name));
    for (const name of names) added.set(name, (added.get(name) ?? 0) + 1);
  }
  for (const [name, count] of added) {
    const queue = record.sessions.get(name)?.queue;
    const override = effects.queueLimits.findLast((l) => l.session === name);
    const policy = override?.policy ?? queue?.policy ?? 'drop-oldest';
    const limit = override?.length ?? queue?.limit ?? LIMITS.defaultQueueLength;
    if (policy === 'refuse' && (queue?.items.length ?? 0) + count > limit) {
      throw new SteadError('QUEUE_FULL', `notification queue of ${name} is full (${limit})`);
    }
  }
}

function matches(pattern: RegExp, name: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(name);
}

/** Applies a returned method's effects to the record; {@link checkEffects} ran first. */
export function applyEffects(record: ProxyRecord, effects: Effects, session: string | null, now: number): Delivery {
  const delivery: Delivery = new Map();
  for (const { session: name, length, policy } of effects.queueLimits) {
    const queue = openSession(record, name, now).queue;
    queue.limit = length;
    queue.policy = policy;
    while (queue.items.length > length) dropOldest(queue);
  }
  for (const { payload, target, key } of effects.notifications) {
    for (const name of targets(record, target, now)) {
      const item = enqueue(openSession(record, name, now), payload, key);
      const sent = delivery.get(name);
      if (sent) sent.push(item);
      else delivery.set(name, [item]);
    }
  }
  if (effects.memento && session !== null) openSession(record, session, now).memento = effects.memento.value;
  for (const timer of effects.timers) record.timers.push({ id: record.nextTimerId++, ...timer });
  return delivery;
}

/** The session, created if new; touched, because the caller is about to change it. */
export function openSession(record: ProxyRecord, name: string, now: number): SessionRecord {
  let session = record.sessions.get(name);
  if (session) touchSession(session);
  else {
    if (record.sessions.size >= LIMITS.maxSessionsPerProxy) {
      throw new SteadError('SESSION_LIMIT', `proxy keeps ${LIMITS.maxSessionsPerProxy} sessions at most`);
    }
    session = newSession(now);
    record.sessions.set(name, session);
  }
  return session;
}

function targets(record: ProxyRecord, target: string | RegExp, now: number): string[] {
  if (typeof target === 'string') {
    openSession(record, target, now);
    return [target];
  }
  return [...record.sessions.keys()].filter((name) => matches(target, name));
}

function enqueue(session: SessionRecord, payload: unknown, key: string | null): QueuedNotification {
  const queue = session.queue;
  if (queue.policy === 'coalesce' && key !== null) {
    const index = queue.items.findIndex((item) => item.key === key);
    if (index >= 0) {
      queue.items.splice(index, 1);
      queue.dropped++;
    }
  }
  if (queue.items.length >= queue.limit) {
    if (queue.policy === 'refuse') throw new SteadError('QUEUE_FULL', `notification queue is full (${queue.limit})`);
    dropOldest(queue);
  }
  const item = { seq: ++queue.lastSeq, payload, key };
  queue.items.push(item);
  return item;
}

function dropOldest(queue: SessionRecord['queue']): void {
  queue.items.shift();
  queue.dropped++;
}

/** Cumulative ack: forget everything up to seq. Returns whether anything changed. */
export function ackQueue(session: SessionRecord, seq: number): boolean {
  const queue = session.queue;
  const upTo = Math.min(seq, queue.lastSeq);
  if (upTo <= queue.acked) return false;
  queue.acked = upTo;
  let keep = 0;
  while (keep < queue.items.length && (queue.items[keep] as QueuedNotification).seq <= upTo) keep++;
  queue.items.splice(0, keep);
  return true;
}
