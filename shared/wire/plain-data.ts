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
