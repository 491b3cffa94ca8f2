/**
 * Frames to bytes, one writer call per field in wire order (DESIGN §5), through the hand-written
 * writer (writer.ts). A field of the wrong type (from untyped code) makes the frame fall back to
 * cbor-x as a whole array, which writes the same bytes for well-typed frames.
 */
import { encoder } from './cbor.js';
import { Kind, type Frame } from './frames.js';
import { bytes, bytesOrNull, done, number, start, text, value } from './writer.js';

export function writeFrame(frame: Frame): Buffer {
  return byHand(frame) ?? encoder.encode(frameArray(frame));
}

export function writeCall(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer {
  return callByHand(nonce, seq, answered, method, args) ?? encoder.encode([Kind.call, nonce, seq, answered, method, args]);
}

function byHand(frame: Frame): Buffer | null {
  switch (frame.kind) {
    case Kind.hello:
      start(6, Kind.hello);
      return number(frame.version) && number(frame.acked) && text(frame.agent) && bytesOrNull(frame.nonce) && bytesOrNull(frame.epoch)
        ? done()
        : null;
    case Kind.call:
      return callByHand(frame.nonce, frame.seq, frame.answered, frame.method, frame.args);
    case Kind.reply:
      start(4, Kind.reply);
      return bytes(frame.ref) && number(frame.seq) ? withValue(frame.value) : null;
    case Kind.notify:
      start(4, Kind.notify);
      if (!number(frame.seq)) return null;
      value(frame.payload);
      return number(frame.dropped) ? done() : null;
    case Kind.ack:
      start(3, Kind.ack);
      return bytes(frame.nonce) && number(frame.seq) ? done() : null;
    case Kind.begin:
      start(4, Kind.begin);
      return number(frame.version) && bytes(frame.token) ? withValue(frame.info) : null;
    case Kind.end:
      start(3, Kind.end);
      return bytes(frame.nonce) && number(frame.seq) ? done() : null;
    case Kind.error:
      start(6, Kind.error);
      return bytesOrNull(frame.ref) && number(frame.seq) && text(frame.code) && text(frame.message)
        ? withValue(frame.data)
        : null;
    case Kind.resource:
    case Kind.blob:
      // Not a hot path: cbor-x writes it whole.
      return null;
  }
}

function callByHand(nonce: Uint8Array, seq: number, answered: number, method: string, args: unknown[]): Buffer | null {
  start(6, Kind.call);
  return bytes(nonce) && number(seq) && number(answered) && text(method) ? withValue(args) : null;
}

/** The app value that ends a frame. */
function withValue(item: unknown): Buffer {
  value(item);
  return done();
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
      return [Kind.resource, frame.ref, frame.seq, frame.answered, frame.verb, frame.session, frame.key, frame.value, frame.options];
    case Kind.blob:
      return [Kind.blob, frame.ref, frame.blob];
  }
}
