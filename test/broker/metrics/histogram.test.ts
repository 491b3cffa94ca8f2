import { describe, expect, it } from 'vitest';
import { BucketHistogram, difference, quantile } from '../../../broker/metrics/index.js';

describe('BucketHistogram and quantile (the p99 of status and the dashboard)', () => {
  it('counts each value in the first bucket whose bound holds it, +Inf last', () => {
    const h = new BucketHistogram([1, 2, 5]);
    for (const v of [0.5, 1, 1.5, 2, 4, 9]) h.observe(v);
    expect(h.cumulative()).toEqual([2, 4, 5, 6]);
    expect(h.count).toBe(6);
    expect(h.sum).toBe(18);
  });

  it.each([
    ['none', [], 0.99, null],
    ['all in the first bucket', [0.1, 0.1, 0.1, 0.1], 0.5, 0.5],
    ['interpolated in its bucket', [0.5, 1.5, 1.5, 1.5], 0.75, 1.6666666666666667],
    ['past the last bound', [9, 9], 0.99, 5],
  ])('%s', (_name, values, q, expected) => {
    const h = new BucketHistogram([1, 2, 5]);
    for (const v of values) h.observe(v);
    const p = quantile(h.bounds, h.snapshot(), q);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toBeCloseTo(expected, 9);
  });

  it('tells what was observed between two snapshots', () => {
    const h = new BucketHistogram([1, 2]);
    h.observe(0.5);
    const before = h.snapshot();
    h.observe(1.5);
    h.observe(3);
    expect(difference(h.snapshot(), before)).toEqual({ counts: [0, 1, 1], sum: 4.5, count: 2 });
  });
});
