import { begunValue, decodeFrame, encodeFrame } from '../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION, type Frame } from '../shared/wire/frames.js';
import { median } from './stats.js';

/**
 * Stead's CBOR frames against the same messages in a JSON protocol written the usual way: named
 * fields, the kind as a word, nonces as hex strings. Fairness: Stead carries the logical session
 * in the MQTT topic, so the compared JSON body leaves it out too (same topic scheme); `jsonWithSession`
 * shows the size when a JSON protocol puts it in the body instead.
 */
export interface CodecFrameResult {
  name: string;
  cborBytes: number;
  jsonBytes: number;
  jsonWithSessionBytes: number;
  /** encode+decode round trips per second. */
  cborOps: number;
  jsonOps: number;
}

export interface CodecResults {
  /** Note for readers of the JSON file: what exactly was compared. */
  method: string;
  frames: CodecFrameResult[];
  totals: { cborBytes: number; jsonBytes: number; bytesRatio: number; cborOps: number; jsonOps: number; speedRatio: number };
}

export interface CodecParams {
  /** Timed rounds per frame and codec; the median counts. */
  rounds: number;
  roundMs: number;
}

const KIND_NAMES = Object.fromEntries(Object.entries(Kind).map(([name, value]) => [value, name])) as Record<number, string>;
const nonce = Uint8Array.from([0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71]);
const token = Uint8Array.from([0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8]);

export const SAMPLES: readonly { name: string; frame: Frame }[] = [
  { name: "call buy('bread')", frame: { kind: Kind.call, nonce, seq: 5, answered: 4, method: 'buy', args: ['bread'] } },
  { name: 'reply 12', frame: { kind: Kind.reply, ref: nonce, seq: 5, value: 12 } },
  { name: 'reply {bread,bagel}', frame: { kind: Kind.reply, ref: nonce, seq: 6, value: { bread: 12, bagel: 3 } } },
  { name: 'notify [counter]', frame: { kind: Kind.notify, seq: 7, payload: [42], dropped: 0 } },
  { name: 'begin', frame: { kind: Kind.begin, version: PROTOCOL_VERSION, token, info: null } },
  {
    name: 'begin reply',
    frame: { kind: Kind.reply, ref: token, seq: 0, value: begunValue({ nonce, memento: null, crashed: false }) },
  },
  { name: 'ack', frame: { kind: Kind.ack, nonce, seq: 7 } },
  {
    name: 'error',
    frame: { kind: Kind.error, ref: nonce, seq: 8, code: 'STEAD_E_UNKNOWN_METHOD', message: 'toaster has no method sell', data: null },
  },
];

/** The frame as a JSON protocol would write it: `{"kind":"call","nonce":"0a1b…",…}`. */
export function jsonMessage(frame: Frame, session: string | null): Record<string, unknown> {
  const { kind, ...fields } = frame;
  const message: Record<string, unknown> = { kind: KIND_NAMES[kind] };
  if (session !== null) message.session = session;
  for (const [key, value] of Object.entries(fields)) message[key] = hexBytes(value);
  return message;
}

function hexBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(hexBytes);
  return value;
}

/** Round trips per second of `roundTrip`, timed in batches for about `ms`. */
function opsPerSec(roundTrip: () => number, ms: number): number {
  let ops = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 1000; i++) sink += roundTrip();
    ops += 1000;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  if (sink < 0) throw new Error('unreachable: keeps the work observable');
  return (ops / elapsed) * 1000;
}

export function runCodecBench(params: CodecParams): CodecResults {
  const cases = SAMPLES.map(({ name, frame }) => {
    const message = jsonMessage(frame, null);
    return {
      name,
      cbor: (): number => decodeFrame(encodeFrame(frame)).kind,
      json: (): number => (JSON.parse(Buffer.from(JSON.stringify(message)).toString()) as { kind: string }).kind.length,
      cborBytes: encodeFrame(frame).length,
      jsonBytes: Buffer.byteLength(JSON.stringify(message)),
      jsonWithSessionBytes: Buffer.byteLength(JSON.stringify(jsonMessage(frame, 'kitchen'))),
      cborRounds: [] as number[],
      jsonRounds: [] as number[],
    };
  });
  // Warm both paths up, then interleave rounds so drift hits both codecs alike.
  for (const c of cases) {
    opsPerSec(c.cbor, params.roundMs);
    opsPerSec(c.json, params.roundMs);
  }
  for (let round = 0; round < params.rounds; round++) {
    for (const c of cases) {
      c.cborRounds.push(opsPerSec(c.cbor, params.roundMs));
      c.jsonRounds.push(opsPerSec(c.json, params.roundMs));
    }
  }
  const frames = cases.map((c) => ({
    name: c.name,
    cborBytes: c.cborBytes,
    jsonBytes: c.jsonBytes,
    jsonWithSessionBytes: c.jsonWithSessionBytes,
    cborOps: median(c.cborRounds),
    jsonOps: median(c.jsonRounds),
  }));
  return { method: METHOD, frames, totals: totals(frames) };
}

/** The mix: one of each frame; its speed is frames / (sum of per-frame times). */
function totals(frames: readonly CodecFrameResult[]): CodecResults['totals'] {
  const cborBytes = frames.reduce((sum, f) => sum + f.cborBytes, 0);
  const jsonBytes = frames.reduce((sum, f) => sum + f.jsonBytes, 0);
  const cborOps = frames.length / frames.reduce((sum, f) => sum + 1 / f.cborOps, 0);
  const jsonOps = frames.length / frames.reduce((sum, f) => sum + 1 / f.jsonOps, 0);
  return { cborBytes, jsonBytes, bytesRatio: cborBytes / jsonBytes, cborOps, jsonOps, speedRatio: cborOps / jsonOps };
}

const METHOD =
  'CBOR = encodeFrame + decodeFrame (decode validates shape and plain data). JSON = Buffer.from(JSON.stringify(msg)) + ' +
  'JSON.parse(buf.toString()), no validation, object with hex nonces prebuilt. Session in the topic for both; ' +
  'json+session shows it in the body. Speed: median of timed rounds; the mix is one of each frame.';
