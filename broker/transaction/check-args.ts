import { SteadError } from '../../shared/errors.js';
import type { ArgSpec, ArgType } from '../apps/define-proxy.js';

/** Checks call arguments against a method's declared shape (BAD_ARGUMENTS otherwise). */
export function checkArgs(method: string, specs: readonly ArgSpec[], args: readonly unknown[]): void {
  if (args.length > specs.length) {
    throw new SteadError('BAD_ARGUMENTS', `${method} takes at most ${specs.length} arguments, got ${args.length}`);
  }
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i] as ArgSpec;
    const optional = spec.endsWith('?');
    const type = (optional ? spec.slice(0, -1) : spec) as ArgType;
    const value = args[i];
    if (value === undefined && i >= args.length) {
      if (optional) continue;
      throw new SteadError('BAD_ARGUMENTS', `${method}: argument ${i + 1} (${type}) is missing`);
    }
    if (!matches(type, value)) {
      throw new SteadError('BAD_ARGUMENTS', `${method}: argument ${i + 1} must be ${type}`, { data: { index: i, expected: type } });
    }
  }
}

function matches(type: ArgType, value: unknown): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'bytes':
      return value instanceof Uint8Array;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
  }
}
