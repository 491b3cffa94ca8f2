/**
 * Options checked against one schema each (docs/config.md, validation): the broker's, the
 * device's and the agent's. A schema is written once and checks a configuration file, the flags
 * that become options, and a function's options alike; only the code differs: BAD_CONFIG for a
 * file, BAD_OPTIONS for a function's options. Either way the message names each bad field by its
 * path (`limits.maxInbox: expected a positive integer`) and `data.fields` lists them.
 *
 * zod/mini, not zod: the device side runs on a gadget inside one bundled file, where zod/mini
 * adds about 40 KB and the full zod about 750 KB.
 */
import * as z from 'zod/mini';
import type { Clock } from './clock.js';
import { SteadError } from './errors.js';
import { LIMITS, type Limits } from './limits.js';
import { isValidRoot } from './names.js';
import type { Random } from './random.js';

/** The message of a field that is not what it should be: `expected a positive integer`. */
export const expected = (what: string): { error: string } => ({ error: `expected ${what}` });

export const positiveInteger = z.int(expected('a positive integer')).check(z.positive(expected('a positive integer')));

export const nonEmptyString = (what: string): z.ZodMiniString =>
  z.string(expected(what)).check(z.minLength(1, expected(what)));

export const wholeNumber = z.int(expected('a whole number')).check(z.nonnegative(expected('a whole number')));

export const port = z.int(expected('a port 0..65535')).check(z.minimum(0, expected('a port 0..65535')), z.maximum(65535, expected('a port 0..65535')));

/** A value of a kind a JSON file cannot hold (a clock, a store, a logger), checked by `is`. */
export const instance = <T>(what: string, is: (value: unknown) => boolean): z.ZodMiniCustom<T, T> => z.custom<T>(is, expected(what));

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const rootSchema = z.string(expected('a topic root')).check(z.refine(isValidRoot, expected('a topic root: MQTT levels without wildcards')));

export const clockSchema = instance<Clock>('a clock { now, setTimeout, clearTimeout }', (value) => isObject(value) && typeof value.now === 'function');

export const randomSchema = instance<Random>('a random source { nonce, fraction }', (value) => isObject(value) && typeof value.nonce === 'function');

/** Any of `LIMITS`' names, each a positive integer; how they relate is the broker's to check. */
export const limitsSchema: z.ZodMiniType<Partial<Limits>> = z.strictObject(
  Object.fromEntries(Object.keys(LIMITS).map((name) => [name, z.optional(positiveInteger)])) as Record<keyof Limits, z.ZodMiniOptional<typeof positiveInteger>>,
  expected('an object of limits'),
);

/**
 * A strict object schema with a field for every option of `T`: a key added to `T` and not to
 * the shape, or a field whose schema yields another type, does not compile; at run time a key
 * not in `T` (a misspelling) is refused.
 */
export function optionsSchema<T extends object>(shape: { [K in keyof T]-?: z.core.$ZodType<T[K]> }, what: string): z.ZodMiniType<T> {
  return z.strictObject(shape as z.core.$ZodLooseShape, expected(what)) as unknown as z.ZodMiniType<T>;
}

/** `options` without the fields given as `undefined`, to lay over defaults: `{ ...DEFAULTS, ...definedOnly(options) }`. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export type OptionsErrorKey = 'BAD_OPTIONS' | 'BAD_CONFIG';

/**
 * `value` as `schema` reads it, or a BAD_OPTIONS (options given to a function) or BAD_CONFIG (a
 * file) error naming every bad field; `where` (a file's name) starts the message.
 */
export function parseOptions<T>(schema: z.ZodMiniType<T>, value: unknown, key: OptionsErrorKey, where?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap(describeIssue);
  const message = problems.map((p) => `${p.field}: ${p.problem}`).join('; ');
  throw new SteadError(key, where ? `${where}: ${message}` : message, { data: { fields: problems.map((p) => p.field) } });
}

/** `limits.maxInbox` and `expected a positive integer`; an unknown field is named by its own path. */
function describeIssue(issue: z.core.$ZodIssue): { field: string; problem: string }[] {
  const where = (path: readonly PropertyKey[]): string => (path.length === 0 ? '(top level)' : path.map(String).join('.'));
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: where([...issue.path, key]), problem: 'unknown field' }));
  return [{ field: where(issue.path), problem: issue.message }];
}
