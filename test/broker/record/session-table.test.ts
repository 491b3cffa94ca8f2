import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionTable } from '../../../broker/record/session-table.js';

// The session table is a value: a change makes a new table and leaves the old one as it was.

describe('session table', () => {
  it('behaves as a Map after any sequence of sets, and every earlier table stays as it was', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 200 }), (changes) => {
        const model = new Map<string, number>();
        const history: [SessionTable<number>, Map<string, number>][] = [];
        let table = SessionTable.empty<number>();
        for (const [name, value] of changes) {
          history.push([table, new Map(model)]);
          table = table.with(name, value);
          model.set(name, value);
        }
        history.push([table, model]);
        for (const [t, m] of history) {
          expect(t.size).toBe(m.size);
          expect(new Map(t)).toEqual(m);
          for (const [name, value] of m) {
            expect(t.get(name)).toBe(value);
            expect(t.has(name)).toBe(true);
          }
        }
      }),
    );
  });

  it('from() keeps the last value of a repeated name and counts it once', () => {
    const table = SessionTable.from([['a', 1], ['b', 2], ['a', 3]]);
    expect(table.size).toBe(2);
    expect(table.get('a')).toBe(3);
    expect([...table.keys()].sort()).toEqual(['a', 'b']);
  });
});
