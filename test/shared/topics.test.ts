import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assertName, assertRoot, isValidName, parseProxyAddress } from '../../shared/names.js';
import { DEFAULT_ROOT } from '../../shared/defaults.js';
import { createTopics } from '../../shared/topics.js';
import { codeOf } from '../helpers/errors.js';


const VALID_NAMES = ['a', '0', 'kitchen', 'toaster-2', 'shelf.top_left', 'a-', 'a.', '9lives', 'x'.repeat(64)];
const INVALID_NAMES: readonly { name: string; value: unknown }[] = [
  { name: 'empty', value: '' },
  { name: 'uppercase', value: 'Kitchen' },
  { name: '65 characters', value: 'x'.repeat(65) },
  { name: "leading '-'", value: '-kitchen' },
  { name: "leading '_'", value: '_kitchen' },
  { name: "leading '.'", value: '.kitchen' },
  { name: "'+'", value: '+' },
  { name: "'#'", value: '#' },
  { name: "'+' inside", value: 'a+b' },
  { name: "'#' at the end", value: 'kitchen#' },
  { name: "'/'", value: 'a/b' },
  { name: "'$'", value: '$sys' },
  { name: 'a space', value: 'my kitchen' },
  { name: 'a trailing newline', value: 'kitchen\n' },
  { name: 'a NUL', value: 'kitchen\u0000' },
  { name: 'non-ASCII', value: 'küche' },
  { name: 'a number', value: 42 },
  { name: 'null', value: null },
  { name: 'undefined', value: undefined },
];

describe('names', () => {
  test.each(VALID_NAMES)('%j is valid', (name) => {
    expect(isValidName(name)).toBe(true);
    expect(() => assertName('session', name)).not.toThrow();
  });

  test.each(INVALID_NAMES)('$name is invalid → INVALID_NAME', ({ value }) => {
    expect(isValidName(value)).toBe(false);
    for (const kind of ['app', 'id', 'session'] as const) expect(codeOf(() => assertName(kind, value))).toBe('STEAD_E_INVALID_NAME');
  });

  test.each(['stead', 'home/lab/stead', 'Home/Lab', 'a', 'x_1/y-2/z.3', 'r'.repeat(128)])('root %j is valid', (root) => {
    expect(() => assertRoot(root)).not.toThrow();
  });

  test.each([
    { name: 'empty', root: '' },
    { name: 'a leading /', root: '/stead' },
    { name: 'a trailing /', root: 'stead/' },
    { name: 'an empty level', root: 'home//stead' },
    { name: "'+'", root: 'home/+/stead' },
    { name: "'#'", root: 'stead/#' },
    { name: "a '$' start (reserved for the broker)", root: '$SYS/stead' },
    { name: "a level starting with '.'", root: 'home/.stead' },
    { name: 'a space', root: 'my stead' },
    { name: '129 characters', root: 'r'.repeat(129) },
  ])('root with $name → INVALID_NAME', ({ root }) => {
    expect(codeOf(() => assertRoot(root))).toBe('STEAD_E_INVALID_NAME');
    expect(codeOf(() => createTopics(root))).toBe('STEAD_E_INVALID_NAME');
  });
});

describe('parseProxyAddress', () => {
  test('splits <app>/<id>', () => {
    expect(parseProxyAddress('toaster/kitchen')).toEqual({ app: 'toaster', id: 'kitchen' });
    expect(parseProxyAddress('a/0')).toEqual({ app: 'a', id: '0' });
  });

  test.each(['toaster', 'toaster/', '/kitchen', '/', '', 'toaster/kitchen/extra', 'Toaster/kitchen', 'toaster/Kitchen', 'toaster/+', '#/kitchen'])(
    '%j → INVALID_NAME',
    (address) => {
      expect(codeOf(() => parseProxyAddress(address))).toBe('STEAD_E_INVALID_NAME');
    },
  );
});

describe('topics', () => {
  const topics = createTopics();

  test('the default root is stead', () => {
    expect(DEFAULT_ROOT).toBe('stead');
    expect(topics.root).toBe('stead');
  });

  test('requests go in, replies and notifications come out (DESIGN §5)', () => {
    expect(topics.inbound('toaster', 'kitchen', 's1')).toBe('stead/toaster/kitchen/s1/in');
    expect(topics.outbound('toaster', 'kitchen', 's1')).toBe('stead/toaster/kitchen/s1/out');
    expect(topics.inboundFilter).toBe('stead/+/+/+/in');
  });

  test('parse reads both directions', () => {
    expect(topics.parse('stead/toaster/kitchen/s1/in')).toEqual({ app: 'toaster', id: 'kitchen', session: 's1', direction: 'in' });
    expect(topics.parse('stead/toaster/kitchen/s1/out')).toEqual({ app: 'toaster', id: 'kitchen', session: 's1', direction: 'out' });
  });

  test('a root of several levels', () => {
    const deep = createTopics('home/lab/stead');
    expect(deep.root).toBe('home/lab/stead');
    expect(deep.inbound('toaster', 'kitchen', 's1')).toBe('home/lab/stead/toaster/kitchen/s1/in');
    expect(deep.inboundFilter).toBe('home/lab/stead/+/+/+/in');
    expect(deep.parse('home/lab/stead/toaster/kitchen/s1/out')).toEqual({ app: 'toaster', id: 'kitchen', session: 's1', direction: 'out' });
    // The same levels under the default root are not this root's topics, and the reverse.
    expect(deep.parse('stead/toaster/kitchen/s1/in')).toBeUndefined();
    expect(topics.parse('home/lab/stead/toaster/kitchen/s1/in')).toBeUndefined();
  });

  test.each([
    { name: 'too few levels', topic: 'stead/toaster/kitchen/in' },
    { name: 'too many levels', topic: 'stead/toaster/kitchen/s1/extra/in' },
    { name: 'nothing after the root', topic: 'stead/' },
    { name: 'the root alone', topic: 'stead' },
    { name: 'another root', topic: 'other/toaster/kitchen/s1/in' },
    { name: 'a root that only starts like stead', topic: 'steady/toaster/kitchen/s1/in' },
    { name: 'the root in other case', topic: 'Stead/toaster/kitchen/s1/in' },
    { name: "'+' for the app", topic: 'stead/+/kitchen/s1/in' },
    { name: "'+' for the session", topic: 'stead/toaster/kitchen/+/in' },
    { name: "'#' at the end", topic: 'stead/toaster/kitchen/s1/#' },
    { name: 'direction "up"', topic: 'stead/toaster/kitchen/s1/up' },
    { name: 'direction "IN"', topic: 'stead/toaster/kitchen/s1/IN' },
    { name: 'an empty direction', topic: 'stead/toaster/kitchen/s1/' },
    { name: 'an empty level', topic: 'stead/toaster//s1/in' },
    { name: 'an invalid app', topic: 'stead/Toaster/kitchen/s1/in' },
    { name: 'an invalid id', topic: 'stead/toaster/-kitchen/s1/in' },
    { name: 'an invalid session', topic: 'stead/toaster/kitchen/s 1/in' },
    { name: 'a leading /', topic: '/stead/toaster/kitchen/s1/in' },
  ])('parse refuses $name', ({ topic }) => {
    expect(topics.parse(topic)).toBeUndefined();
  });

  test.each(INVALID_NAMES)('building with an app, id or session that is $name → INVALID_NAME', ({ value }) => {
    const bad = value as string;
    for (const build of [topics.inbound, topics.outbound]) {
      expect(codeOf(() => build(bad, 'kitchen', 's1'))).toBe('STEAD_E_INVALID_NAME');
      expect(codeOf(() => build('toaster', bad, 's1'))).toBe('STEAD_E_INVALID_NAME');
      expect(codeOf(() => build('toaster', 'kitchen', bad))).toBe('STEAD_E_INVALID_NAME');
    }
  });
});

const name = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,63}$/);
const level = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,15}$/);
const root = fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => levels.join('/'));
const direction = fc.constantFrom('in' as const, 'out' as const);

describe('topic properties', () => {
  test('parse inverts build, for any valid names under any valid root', () => {
    fc.assert(
      fc.property(root, name, name, name, direction, (r, app, id, session, dir) => {
        const topics = createTopics(r);
        const topic = dir === 'in' ? topics.inbound(app, id, session) : topics.outbound(app, id, session);
        expect(topics.parse(topic)).toEqual({ app, id, session, direction: dir });
      }),
      { numRuns: 500 },
    );
  });

  test('whatever parses builds back to the same topic; nothing throws', () => {
    const topics = createTopics('home/stead');
    const anyLevel = fc.oneof(name, fc.constantFrom('in', 'out', '+', '#', '', 'A', '-a'), fc.string({ maxLength: 6 }));
    const topicLike = fc.tuple(fc.constantFrom('home/stead/', 'home/', ''), fc.array(anyLevel, { maxLength: 6 }));
    fc.assert(
      fc.property(topicLike, ([prefix, levels]) => {
        const topic = prefix + levels.join('/');
        const parsed = topics.parse(topic);
        if (!parsed) return;
        const { app, id, session } = parsed;
        const rebuilt = parsed.direction === 'in' ? topics.inbound(app, id, session) : topics.outbound(app, id, session);
        expect(rebuilt).toBe(topic);
      }),
      { numRuns: 1000 },
    );
  });

  test('names follow DESIGN §3 exactly, and building accepts just those', () => {
    // The rule spelled out character by character, independent of the module's regex.
    const lowerOrDigit = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const byTheRule = (s: string): boolean =>
      s.length >= 1 && s.length <= 64 && lowerOrDigit(s[0] as string) && [...s.slice(1)].every((c) => lowerOrDigit(c) || '_.-'.includes(c));
    const topics = createTopics();
    const candidate = fc.oneof(name, fc.string({ maxLength: 70 }), fc.string({ unit: fc.constantFrom(...'az09_.-A+#/ '), maxLength: 66 }));
    fc.assert(
      fc.property(candidate, (s) => {
        expect(isValidName(s)).toBe(byTheRule(s));
        expect(codeOf(() => topics.inbound('toaster', 'kitchen', s))).toBe(byTheRule(s) ? 'no error' : 'STEAD_E_INVALID_NAME');
      }),
      { numRuns: 1000 },
    );
  });
});
