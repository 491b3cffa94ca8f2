/**
 * Frames to bytes, one writer call per field in wire order (DESIGN §5), through the hand-written
 * writer (writer.ts), a writer of its own per frame. A field of the wrong type (from untyped
 * code) makes the frame fall back to cbor-x as a whole array, which writes the same bytes for
 * well-typed frames.
 */
import { encoder } from './cbor.js';
import { Kind, type Frame } from './frames.js';
import { releaseWriter, takeWriter, type CborWriter } from './writer.js';

export function writeFrame(frame: Frame): Buffer {
  const w = takeWriter();
  try {
    return byHand(w, frame) ?? encoder.encode(frameArray(frame));
  } finally {
    releaseWriter(w);
  }
}

export function writeCall(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer {
  const w = takeWriter();
  try {
    return callByHand(w, nonce, seq, answered, method, args) ?? encoder.encode([Kind.call, nonce, seq, answered, method, args]);
  } finally {
    releaseWriter(w);
  }
}

function byHand(w: CborWriter, frame: Frame): Buffer | null {
  switch (frame.kind) {
    case Kind.hello:
      w.start(6, Kind.hello);
      return w.number(frame.version) && w.number(frame.acked) && w.text(frame.agent) && w.bytesOrNull(frame.nonce) && w.bytesOrNull(frame.epoch)
        ? w.done()
        : null;
    case Kind.call:
      return callByHand(w, frame.nonce, frame.seq, frame.answered, frame.method, frame.args);
    case Kind.reply:
      w.start(4, Kind.reply);
      return w.bytes(frame.ref) && w.number(frame.seq) ? withValue(w, frame.value) : null;
    case Kind.notify:
      w.start(4, Kind.notify);
      if (!w.number(frame.seq)) return null;
      w.value(frame.payload);
      return w.number(frame.dropped) ? w.done() : null;
    case Kind.ack:
      w.start(3, Kind.ack);
      return w.bytes(frame.nonce) && w.number(frame.seq) ? w.done() : null;
    case Kind.begin:
      w.start(4, Kind.begin);
      return w.number(frame.version) && w.bytes(frame.token) ? withValue(w, frame.info) : null;
    case Kind.end:
      w.start(3, Kind.end);
      return w.bytes(frame.nonce) && w.number(frame.seq) ? w.done() : null;
    case Kind.error:
      w.start(6, Kind.error);
      return w.bytesOrNull(frame.ref) && w.number(frame.seq) && w.text(frame.code) && w.text(frame.message)
        ? withValue(w, frame.data)
        : null;
    case Kind.resource:
    case Kind.blob:
      // Not a hot path: cbor-x writes it whole.
      return null;
  }
}

function callByHand(w: CborWriter, nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer | null {
  w.start(6, Kind.call);
  return w.bytes(nonce) && w.number(seq) && w.number(answered) && w.text(method) ? withValue(w, args) : null;
}

/** The app value that ends a frame. */
function withValue(w: CborWriter, item: unknown): Buffer {
  w.value(item);
  return w.done();
}

/** The frame as the array cbor-x writes: the fields in order, no names. */
function frameArray(frame: Frame): unknown[] {
  switch (frame.kind) {
    case Kind.hello:
      return [Kind.hello, frame.version, frame.acked, frame.agent, frame.nonce, frame.epoch];
    case Kind.call:
      return [Kind.call, frame.nonce, frame.seq, frame.answered, frame.method, frame.args];
    case Kind.reply:
      return [Kind.reply, frame.ref, frame.seq, frame.value];
    case Kind.notify:
      return [Kind.notify, frame.seq, frame.payload, frame.dropped];
    case Kind.ack:
      return [Kind.ack, frame.nonce, frame.seq];
    case Kind.begin:
      return [Kind.begin, frame.version, frame.token, frame.info];
    case Kind.end:
      return [Kind.end, frame.nonce, frame.seq];
    case Kind.error:
      return [Kind.error, frame.ref, frame.seq, frame.code, frame.message, frame.data];
    case Kind.resource:
      return [Kind.resource, frame.ref, frame.verb, frame.session, frame.key, frame.value, frame.options];
    case Kind.blob:
      return frame.marker ? [Kind.blob, frame.ref, frame.blob, frame.marker] : [Kind.blob, frame.ref, frame.blob];
  }
}
