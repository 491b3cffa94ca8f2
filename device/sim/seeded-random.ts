/**
 * A small seeded generator (mulberry32) for the simulator's choices: which packet to drop, when to
 * cut, when to restart. The same seed makes the same choices for the same sequence of events, so
 * a failing run can be replayed. Never used for nonces (those come from shared/random.ts).
 */
export type Fraction = () => number;

export function seededFraction(seed: number): Fraction {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed derived from a run seed and a name (a device id, a connection), stable across runs. */
export function deriveSeed(seed: number, name: string, count = 0): number {
  // FNV-1a over the name, mixed with the run seed and a counter.
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return Math.imul(hash ^ count, 0x01000193) >>> 0;
}

/** An exponentially distributed wait with the given mean: the gap between events of a Poisson process. */
export function exponential(fraction: Fraction, meanMs: number): number {
  return -Math.log(1 - fraction()) * meanMs;
}
