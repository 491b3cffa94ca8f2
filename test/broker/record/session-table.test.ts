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

  it('without() and changedSince() agree with a Map, over any sequence of sets and removals', () => {
    const change = fc.oneof(
      fc.tuple(fc.constant('set' as const), fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 3 })),
      fc.tuple(fc.constant('remove' as const), fc.string({ maxLength: 4 }), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 120 }), fc.nat(), (changes, cut) => {
        const model = new Map<string, number>();
        let table = SessionTable.empty<number>();
        let earlier = table;
        let earlierModel = new Map(model);
        for (const [i, [kind, name, value]] of changes.entries()) {
          if (i === cut % (changes.length + 1)) [earlier, earlierModel] = [table, new Map(model)];
          if (kind === 'set') {
            // A new object per set, as sessions are: an equal value is still a change.
            table = table.with(name, value);
            model.set(name, value);
          } else {
            table = table.without(name);
            model.delete(name);
          }
        }
        expect(table.size).toBe(model.size);
        expect(new Map(table)).toEqual(model);
        const changed = new Set(table.changedSince(earlier));
        for (const name of new Set([...model.keys(), ...earlierModel.keys()])) {
          if (model.get(name) !== earlierModel.get(name) || model.has(name) !== earlierModel.has(name)) expect(changed.has(name)).toBe(true);
        }
        for (const name of changed) expect(model.has(name) || earlierModel.has(name)).toBe(true);
      }),
    );
    const one = SessionTable.empty<number>().with('a', 1);
    expect(one.without('zz')).toBe(one);
    expect(one.changedSince(one)).toEqual([]);
  });
});
