import { LIMITS, type Limits } from '../../../shared/limits.js';
import { decodeFrame } from '../../../shared/wire/codec.js';
import { Kind, type Frame } from '../../../shared/wire/frames.js';
import type { SessionBlobs } from '../../../broker/protocol/blobs/blob-delivery.js';
import type { Step } from '../../../broker/protocol/step.js';
import type { ProtocolView } from '../../../broker/protocol/view.js';
import { EMPTY_RECORD, newSession, type ProxyRecord, type SessionRecord } from '../../../broker/record/record.js';
import { SessionTable } from '../../../broker/record/session-table.js';

/**
 * Helpers for the protocol's table tests: records and views built from plain rows, and a Step
 * summarized as plain data (frames decoded, bytes as short hex), so a row's expectation reads as
 * what the rule says and a failure shows what differs. No broker, no socket.
 */

/** 8-byte ids made from a small number: n(1) is 0x0000000000000001. */
export function n(id: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setUint32(4, id);
  return bytes;
}

export const NOW = 1_000_000;

/** A session as a device that began with token `begin` and nonce `nonce` left it, with overrides. */
export function session(fields: Partial<SessionRecord> = {}): SessionRecord {
  const base = newSession(NOW - 1000, LIMITS);
  return { ...base, queue: { ...base.queue, epoch: n(900) }, ...fields };
}

export function record(sessions: Record<string, SessionRecord>, fields: Partial<ProxyRecord> = {}): ProxyRecord {
  return { ...EMPTY_RECORD, sessions: SessionTable.from(Object.entries(sessions)), ...fields };
}

export interface ViewOptions {
  limits?: Partial<Limits>;
  idleTtlMs?: number | null;
  stored?: boolean;
  blobs?: SessionBlobs | null;
}

/** A view whose nonces count up from 100 (n(100), n(101), …), so rows can name them. */
export function view(rec: ProxyRecord, options: ViewOptions = {}): ProtocolView {
  let next = 100;
  return {
    record: rec,
    limits: { ...LIMITS, ...options.limits },
    idleTtlMs: options.idleTtlMs ?? null,
    stored: options.stored ?? true,
    blobs: options.blobs ?? null,
    newNonce: () => n(next++),
  };
}

/** A frame as a row names it: kind by name, bytes as hex. */
export function frameSummary(bytes: Uint8Array): Record<string, unknown> {
  return plain(decodeFrame(bytes)) as Record<string, unknown>;
}

function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k === 'kind' ? k : k, k === 'kind' ? kindName(v as number) : plain(v)]));
  return value;
}

function kindName(kind: number): string {
  return (Object.keys(Kind) as (keyof typeof Kind)[]).find((name) => Kind[name] === kind) ?? String(kind);
}

/** What a Step does, as plain data: releases decoded, the run by kind, the error by code. */
export function summary(step: Step): Record<string, unknown> {
  const out: Record<string, unknown> = {
    changed: step.record !== null,
    durable: step.durable,
    sends: step.releases.map((r) => ({ to: r.session, ...frameSummary(r.bytes) })),
  };
  if (step.hold) out.hold = { session: step.hold.session, seq: step.hold.frame.seq };
  if (step.dropHeld) out.dropHeld = step.dropHeld;
  if (step.after) out.after = step.after;
  if (step.run) out.run = step.run.kind;
  if (step.error) out.error = step.error.code;
  if (step.refused) out.refused = true;
  if (step.keeper !== undefined) out.keeper = step.keeper;
  if (step.counts) out.counts = step.counts;
  if (step.warning) out.warning = step.warning.error.code;
  if (step.rearm) out.rearm = true;
  if (step.answers) out.answers = true;
  return out;
}

/** The session `name` of the record a Step leaves. */
export function sessionAfter(step: Step, name: string): SessionRecord | undefined {
  return step.record?.sessions.get(name);
}

export function hex(bytes: Uint8Array | null | undefined): string | null {
  return bytes ? Buffer.from(bytes).toString('hex') : null;
}

export type { Frame };
