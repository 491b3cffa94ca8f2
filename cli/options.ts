import { InvalidArgumentError } from 'commander';

/** Option parsers shared by the subcommands; commander reports their errors as usage errors. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A number, as it is: the options' schema says which numbers an option takes (`stead broker`). */
export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || Number.isNaN(n)) throw new InvalidArgumentError('a number');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}

export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** DESIGN §7: a broker with keys refuses a CONNECT without one; `--key` or `$STEAD_KEY` names the file. */
export function keyOptions(flags: { key?: string; audience?: string }): { key?: string; audience?: string } {
  const key = flags.key ?? process.env.STEAD_KEY;
  return { ...(key ? { key } : {}), ...(flags.audience ? { audience: flags.audience } : {}) };
}

export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a non-negative number');
  return n;
}

export function parseWhole(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a whole number');
  return n;
}

export function parseProbability(value: string): number {
  const p = Number(value);
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError('a probability in [0, 1]');
  return p;
}

/** `<ms>` or `<min>-<max>`. */
export function parseDelay(value: string): [number, number] {
  const [min = NaN, max = min] = value.split('-').map(Number);
  if (!(min >= 0) || !(max >= min)) throw new InvalidArgumentError('<ms> or <min>-<max>, with min <= max');
  return [min, max];
}
