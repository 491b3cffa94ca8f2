import { SteadError } from '../../shared/errors.js';

/**
 * What the fault proxy does to one connection (docs/simulate.md, "Faults"). Probabilities are per
 * packet, rates per connection; the proxy's choices come from a generator seeded per connection.
 */
export interface FaultSettings {
  /** Probability that a PUBLISH (either way) is swallowed: the sender believes it sent it. */
  drop?: number;
  /** Probability that a PUBLISH (either way) goes through twice, the copy flagged DUP. */
  duplicate?: number;
  /** Every packet is held this long before it goes on (`[min, max]`: drawn per packet); order is kept, as TCP keeps it. */
  delayMs?: number | readonly [number, number];
  /** Mean cuts per connection per second (a Poisson process): both sides of the connection closed at once. */
  cutsPerSecond?: number;
}

/** Settings for every connection alike, or per device (by the CONNECT's client id). */
export type FaultPlan = FaultSettings | ((clientId: string) => FaultSettings);

export interface ResolvedFaults {
  readonly drop: number;
  readonly duplicate: number;
  readonly delayMin: number;
  readonly delayMax: number;
  readonly cutsPerSecond: number;
}

export const NO_FAULTS: ResolvedFaults = { drop: 0, duplicate: 0, delayMin: 0, delayMax: 0, cutsPerSecond: 0 };

/** Checks settings once per connection (or once for all), so the packet path reads plain numbers. */
export function resolveFaults(settings: FaultSettings): ResolvedFaults {
  const drop = probability('drop', settings.drop);
  const duplicate = probability('duplicate', settings.duplicate);
  const [delayMin, delayMax] = typeof settings.delayMs === 'object' ? settings.delayMs : [settings.delayMs ?? 0, settings.delayMs ?? 0];
  if (!nonNegative(delayMin) || !nonNegative(delayMax) || delayMin > delayMax) {
    throw new SteadError('BAD_OPTIONS', 'faults.delayMs must be a non-negative number or [min, max] with min <= max');
  }
  const cutsPerSecond = settings.cutsPerSecond ?? 0;
  if (!nonNegative(cutsPerSecond)) throw new SteadError('BAD_OPTIONS', 'faults.cutsPerSecond must be a non-negative number');
  return { drop, duplicate, delayMin, delayMax, cutsPerSecond };
}

export function hasFaults(faults: ResolvedFaults): boolean {
  return faults.drop > 0 || faults.duplicate > 0 || faults.delayMax > 0 || faults.cutsPerSecond > 0;
}

export function probability(name: string, value: number | undefined): number {
  const p = value ?? 0;
  if (!(p >= 0 && p <= 1)) throw new SteadError('BAD_OPTIONS', `faults.${name} must be a probability in [0, 1]`);
  return p;
}

function nonNegative(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}
