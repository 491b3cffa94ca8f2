/**
 * App values that cross the wire (arguments, replies, payloads, mementos) are plain data:
 * null, undefined, booleans, numbers, bigints, strings, byte strings, arrays and plain objects.
 * CBOR tags that cbor-x would turn into Sets, Maps, Dates, RegExps or Errors are refused, so a
 * device cannot hand app code objects it did not expect.
 */
export function isPlainData(value: unknown, depthLeft: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    case 'object':
      if (value === null) return true;
      if (depthLeft <= 0) return false;
      if (Array.isArray(value)) return value.every((item) => isPlainData(item, depthLeft - 1));
      if (value instanceof Uint8Array) return value.constructor === Uint8Array || Buffer.isBuffer(value);
      {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return false;
      }
      for (const key in value) {
        if (!isPlainData((value as Record<string, unknown>)[key], depthLeft - 1)) return false;
      }
      return true;
    default:
      return false;
  }
}

/** What {@link copyPlainData} returns for a value that is not plain data. */
export const NOT_PLAIN: unique symbol = Symbol('not plain data');

/** What {@link copyPlainData} returns for a value with more items than its budget allows. */
export const TOO_LARGE: unique symbol = Symbol('too large');

/** Items the copy in progress may still visit (each takes at least a byte on the wire). */
let itemsLeft = Infinity;

/**
 * A deep copy of plain data (as {@link isPlainData} defines it), reading every property once, or
 * NOT_PLAIN. What app code hands over is checked and kept as this copy: a getter that answers
 * differently the second time, or an object the app changes later, cannot make the bytes that
 * are committed or sent differ from what was checked.
 */
export function copyPlainData(value: unknown, depthLeft: number, maxItems = Infinity): unknown {
  itemsLeft = maxItems;
  return copyValue(value, depthLeft);
}

/**
 * Every item counts against the budget before it is visited: an array's length (a sparse array
 * of 2^32 - 1 holes is one line of app code) is refused at once, not walked.
 */
function copyValue(value: unknown, depthLeft: number): unknown {
  if (--itemsLeft < 0) return TOO_LARGE;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return value;
    case 'object':
      return value === null ? null : copyObject(value, depthLeft);
    default:
      return NOT_PLAIN;
  }
}

function copyObject(value: object, depthLeft: number): unknown {
  if (depthLeft <= 0) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const length = value.length;
    if (length > itemsLeft) return TOO_LARGE;
    const copy: unknown[] = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      const item = copyValue(value[i], depthLeft - 1);
      if (item === NOT_PLAIN || item === TOO_LARGE) return item;
      copy[i] = item;
    }
    return copy;
  }
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array || Buffer.isBuffer(value) ? Uint8Array.prototype.slice.call(value) : NOT_PLAIN;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  const keys = Object.keys(value);
  if (keys.length > itemsLeft) return TOO_LARGE;
  for (const key of keys) {
    const item = copyValue((value as Record<string, unknown>)[key], depthLeft - 1);
    if (item === NOT_PLAIN || item === TOO_LARGE) return item;
    // A key named __proto__ is data here, as it is on the wire: never a prototype.
    Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
