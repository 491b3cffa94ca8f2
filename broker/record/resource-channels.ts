import { createHash } from 'node:crypto';
import { toHex } from '../../shared/bytes.js';
import { encodeValue } from '../../shared/wire/codec.js';
import type { ResourceFrame, ResourceOptions } from '../../shared/wire/frames.js';
import type { KeptAnswer, ProxyRecord, ResourceChannel } from './record.js';

/**
 * The resource clients' channels in the record (DESIGN §6), as values. A channel is a topic's
 * session and the ref its client chose; its requests are numbered, and it keeps the answers of its
 * writes above its mark, so a write sent again gets its first answer: answers of one client are
 * never pushed out by the writes of others. Channels themselves are bounded: the least recently
 * used is forgotten first, and the record says that it forgot.
 */

/** How many channels a proxy keeps. */
export const RESOURCE_CHANNELS = 64;

/** How many bytes of kept answers a proxy keeps over all its channels. */
export const RESOURCE_ANSWER_BYTES = 1024 * 1024;

const NO_CHANNELS: ReadonlyMap<string, ResourceChannel> = new Map();

export function channelKey(topic: string, ref: Uint8Array): string {
  return `${topic}/${toHex(ref)}`;
}

export function channelOf(record: ProxyRecord, topic: string, ref: Uint8Array): ResourceChannel | undefined {
  return record.resourceChannels?.get(channelKey(topic, ref));
}

/**
 * Whether a write of `seq` may have run on a channel the record forgot: the record forgot some
 * channel, and does not vouch for this seq of this one.
 */
export function mayBeForgotten(record: ProxyRecord, channel: ResourceChannel | undefined, seq: number): boolean {
  return record.channelsForgotten === true && (channel === undefined || seq < channel.since);
}

/**
 * What a request is, digested: a kept answer goes only to the request it answers, never to another
 * one that reuses its ref and seq (another verb, key or value would get a consumed once-only value).
 * Sending again (`again`) does not make it another request.
 */
export function requestDigest(frame: ResourceFrame): Uint8Array {
  const rest: ResourceOptions = { ...frame.options };
  delete rest.again;
  const options = Object.keys(rest).length > 0 ? rest : null;
  const request = encodeValue([frame.verb, frame.session, frame.key, frame.value, options]);
  return new Uint8Array(createHash('sha256').update(request).digest().subarray(0, 8));
}

/**
 * The record keeping a write's answer in its channel: the channel's mark moves up to the frame's
 * `answered` (its answers at or below it are dropped: the client holds them), and the channel is
 * now the most recently used. Channels beyond RESOURCE_CHANNELS or RESOURCE_ANSWER_BYTES are
 * forgotten, least recently used first, never this one.
 */
export function withKeptAnswer(record: ProxyRecord, topic: string, frame: ResourceFrame, bytes: Uint8Array): ProxyRecord {
  const key = channelKey(topic, frame.ref);
  const channels = new Map(record.resourceChannels ?? NO_CHANNELS);
  const before = channels.get(key);
  channels.delete(key);
  const mark = Math.max(before?.answered ?? 0, frame.answered);
  const answers = new Map<number, KeptAnswer>();
  if (before) for (const [seq, answer] of before.answers) if (seq > mark) answers.set(seq, answer);
  answers.set(frame.seq, { digest: requestDigest(frame), bytes });
  // A new channel of a record that forgot some: its earlier writes may be among the forgotten.
  const since = before?.since ?? (record.channelsForgotten ? frame.seq : 1);
  channels.set(key, { topic, ref: frame.ref, answered: mark, since, answers });
  let forgot = false;
  let total = 0;
  for (const channel of channels.values()) total += answerBytes(channel);
  for (const [other, channel] of channels) {
    if (channels.size <= RESOURCE_CHANNELS && total <= RESOURCE_ANSWER_BYTES) break;
    if (other === key) break;
    channels.delete(other);
    total -= answerBytes(channel);
    forgot = true;
  }
  return { ...record, resourceChannels: channels, ...(forgot ? { channelsForgotten: true } : {}) };
}

function answerBytes(channel: ResourceChannel): number {
  let bytes = 0;
  for (const answer of channel.answers.values()) bytes += answer.bytes.length;
  return bytes;
}
