import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  ERRORS,
  ERROR_CODES,
  MQTT_REASON,
  SteadError,
  code,
  deviceReaction,
  isErrorCode,
  isSteadError,
  mqttReason,
  type ErrorCode,
} from '../../shared/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const lines = doc.split('\n');
/** Lines that document a code: a heading or a table row. */
const entries = lines.filter((line) => /^#{1,6} /.test(line) || line.startsWith('|'));
const codesIn = (text: string): string[] => text.match(/STEAD_E_[A-Z0-9_]+/g) ?? [];

describe('the catalogue is documented (STYLE §5)', () => {
  test.each(ERROR_CODES)('%s has a heading or table row in docs/errors.md', (errorCode) => {
    expect(entries.some((line) => codesIn(line).includes(errorCode))).toBe(true);
  });

  test('docs/errors.md names no code that is not in the catalogue', () => {
    const unknown = codesIn(doc).filter((name) => !isErrorCode(name));
    expect(unknown).toEqual([]);
  });

  test('docs/errors.md gives each code one heading of its own', () => {
    const headed = lines.filter((line) => /^#{2,4} /.test(line)).flatMap(codesIn);
    expect([...headed].sort()).toEqual([...ERROR_CODES].sort());
  });
});

describe('the catalogue says how a device reacts, and the MQTT reason code (docs/errors.md)', () => {
  /** The summary table's cells for a code: code, cached, seen as, reaction, MQTT reason code. */
  const row = (errorCode: ErrorCode): string[] =>
    (lines.find((line) => line.startsWith('| `') && codesIn(line)[0] === errorCode) ?? '').split('|').slice(1, -1).map((c) => c.trim());

  test.each(ERROR_CODES)('%s: the summary table gives its reaction and reason code as the catalogue does', (errorCode) => {
    const [, , , reaction, reason] = row(errorCode);
    expect(reaction).toBe(`\`${deviceReaction(errorCode)}\``);
    const hex = mqttReason(errorCode);
    expect(reason?.split(' ')[0]).toBe(hex === null ? '—' : `0x${hex.toString(16).toUpperCase()}`);
  });

  test('reason codes are MQTT 5 failure codes (0x80 and above), from the named set', () => {
    const known = new Set<number>(Object.values(MQTT_REASON));
    for (const errorCode of ERROR_CODES) {
      const reason = mqttReason(errorCode);
      if (reason !== null) expect(known.has(reason) && reason >= 0x80).toBe(true);
    }
  });

  test('the requests that were not taken are retried, the instance-ending ones begin again', () => {
    expect(deviceReaction('STEAD_E_INBOX_FULL')).toBe('retry');
    expect(deviceReaction('STEAD_E_STALE_INSTANCE')).toBe('fenced');
    for (const errorCode of ['STEAD_E_NOT_BEGUN', 'STEAD_E_OUT_OF_ORDER', 'STEAD_E_STALE_REQUEST', 'STEAD_E_WINDOW_EXCEEDED', 'STEAD_E_DEADLINE'] as const) {
      expect(deviceReaction(errorCode)).toBe('begin');
    }
    expect(deviceReaction('STEAD_E_APP_ERROR')).toBe('fail');
  });
});

describe('codes', () => {
  test('every code is STEAD_E_ and its key, and unique', () => {
    expect(ERROR_CODES).toContain('STEAD_E_STALE_INSTANCE');
    expect(ERROR_CODES).toEqual(Object.keys(ERRORS).map((key) => `STEAD_E_${key}`));
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const errorCode of ERROR_CODES) expect(errorCode).toMatch(/^STEAD_E_[A-Z][A-Z0-9_]*$/);
  });

  test('code() builds a typed code', () => {
    expect(code('UNKNOWN_METHOD')).toBe('STEAD_E_UNKNOWN_METHOD');
    expectTypeOf(code('CLOSED')).toEqualTypeOf<ErrorCode>();
  });

  test('isErrorCode knows exactly the catalogue', () => {
    for (const errorCode of ERROR_CODES) expect(isErrorCode(errorCode)).toBe(true);
    for (const other of ['STEAD_E_NOPE', 'UNKNOWN_METHOD', 'stead_e_closed', '', 42, null, undefined]) {
      expect(isErrorCode(other)).toBe(false);
    }
  });
});

describe('SteadError', () => {
  test('carries code, data and cause', () => {
    const cause = new Error('disk on fire');
    const error = new SteadError('STORE_FAILURE', 'store commit failed', { data: { key: 'toaster/shop-1' }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SteadError');
    expect(error.code).toBe('STEAD_E_STORE_FAILURE');
    expect(error.data).toEqual({ key: 'toaster/shop-1' });
    expect(error.cause).toBe(cause);
    expect(error.stack).toBeTypeOf('string');
  });

  test('accepts a key or a full code', () => {
    expect(new SteadError('DEADLINE').code).toBe('STEAD_E_DEADLINE');
    expect(new SteadError('STEAD_E_DEADLINE').code).toBe('STEAD_E_DEADLINE');
  });

  test.each(Object.keys(ERRORS) as (keyof typeof ERRORS)[])('%s has a default message', (key) => {
    const error = new SteadError(key);
    expect(error.message).toBe(ERRORS[key]);
    expect(error.message.length).toBeGreaterThan(0);
  });

  test('data and cause are undefined when not given', () => {
    const error = new SteadError('CLOSED', 'session is closed');
    expect(error.data).toBeUndefined();
    expect(error.cause).toBeUndefined();
  });
});

describe('isSteadError', () => {
  test('recognises Stead errors, optionally of one code', () => {
    const error = new SteadError('QUEUE_FULL');
    expect(isSteadError(error)).toBe(true);
    expect(isSteadError(error, 'QUEUE_FULL')).toBe(true);
    expect(isSteadError(error, 'INBOX_FULL')).toBe(false);
  });

  test('refuses look-alikes', () => {
    const plain = Object.assign(new Error('x'), { code: 'STEAD_E_QUEUE_FULL' });
    for (const value of [plain, { name: 'SteadError', code: 'STEAD_E_QUEUE_FULL' }, 'STEAD_E_QUEUE_FULL', null, undefined]) {
      expect(isSteadError(value)).toBe(false);
    }
  });

  test('narrows the type', () => {
    const value: unknown = new SteadError('APP_ERROR', 'no bread', { data: { code: 'SOLD_OUT' } });
    if (!isSteadError(value, 'APP_ERROR')) throw new Error('expected a SteadError');
    expectTypeOf(value).toEqualTypeOf<SteadError>();
    expect(value.data).toEqual({ code: 'SOLD_OUT' });
  });
});
