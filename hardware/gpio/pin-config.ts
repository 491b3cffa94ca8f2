import { SteadError } from '../../shared/errors.js';
import { isValidName } from '../../shared/names.js';
import type { PinConfig, PinDirection, PinPull, PinsConfig } from './gpio.js';

/** A checked pin: every optional field resolved once (STYLE: factories resolve their options once). */
export interface ResolvedPin {
  readonly name: string;
  readonly line: number;
  readonly direction: PinDirection;
  readonly pull: PinPull | null;
  readonly activeLow: boolean;
  readonly initial: boolean;
  readonly safe: boolean | null;
  readonly debounceMs: number;
}

const KEYS = new Set(['line', 'direction', 'pull', 'activeLow', 'initial', 'safe', 'debounceMs']);
const PULLS = new Set(['up', 'down', 'none']);
/** Highest line number accepted before a chip is asked (the Pi 5's RP1 has 54 lines). */
const MAX_LINE = 1023;
const MAX_DEBOUNCE_MS = 60_000;

const badConfig = (name: string, message: string): SteadError =>
  new SteadError('BAD_PIN_CONFIG', `pin ${JSON.stringify(name)}: ${message}`, { data: { pin: name } });

const isOptionalBoolean = (value: unknown): boolean => value === undefined || typeof value === 'boolean';

/** Checks one pin's configuration (BAD_PIN_CONFIG), without looking at other pins. */
export function resolvePin(name: string, config: unknown): ResolvedPin {
  if (!isValidName(name)) throw badConfig(name, 'a pin name is [a-z0-9][a-z0-9_.-]{0,63}');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw badConfig(name, 'a pin is { line, direction, … }');
  const fields = config as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) throw badConfig(name, `unknown field ${unknown.join(', ')} (a typo?)`);
  const { line, direction, pull, activeLow, initial, safe, debounceMs } = fields;
  if (!Number.isInteger(line) || (line as number) < 0 || (line as number) > MAX_LINE) throw badConfig(name, `line is the GPIO number, 0 to ${MAX_LINE}`);
  if (direction !== 'in' && direction !== 'out') throw badConfig(name, 'direction is "in" or "out"');
  if (pull !== undefined && !PULLS.has(pull as string)) throw badConfig(name, 'pull is "up", "down" or "none"');
  if (!isOptionalBoolean(activeLow) || !isOptionalBoolean(initial) || !isOptionalBoolean(safe)) {
    throw badConfig(name, 'activeLow, initial and safe are true or false');
  }
  if (direction === 'in' && (initial !== undefined || safe !== undefined)) throw badConfig(name, 'an input has no initial or safe value');
  if (debounceMs !== undefined) {
    if (direction === 'out') throw badConfig(name, 'an output has no debounce');
    if (!Number.isInteger(debounceMs) || (debounceMs as number) < 0 || (debounceMs as number) > MAX_DEBOUNCE_MS) {
      throw badConfig(name, `debounceMs is a whole number of ms, 0 to ${MAX_DEBOUNCE_MS}`);
    }
  }
  return {
    name,
    line: line as number,
    direction,
    pull: (pull as PinPull | undefined) ?? null,
    activeLow: activeLow === true,
    initial: initial === true,
    safe: typeof safe === 'boolean' ? safe : null,
    debounceMs: (debounceMs as number | undefined) ?? 0,
  };
}

/**
 * The pins a backend has configured, by name and by line: both backends keep one, so the
 * checks (unknown pin, duplicate pin, wrong direction) are the same whichever runs.
 */
export class PinTable {
  readonly #byName = new Map<string, ResolvedPin>();
  readonly #lines = new Map<number, string>();

  /** Checks a new pin against those configured; throws BAD_PIN_CONFIG or DUPLICATE_PIN. */
  check(name: string, config: unknown): ResolvedPin {
    const pin = resolvePin(name, config);
    if (this.#byName.has(name)) throw new SteadError('DUPLICATE_PIN', `pin ${name} is configured twice`, { data: { pin: name } });
    const holder = this.#lines.get(pin.line);
    if (holder !== undefined) {
      throw new SteadError('DUPLICATE_PIN', `pins ${holder} and ${name} both use line ${pin.line}`, { data: { pin: name, line: pin.line, other: holder } });
    }
    return pin;
  }

  add(pin: ResolvedPin): void {
    this.#byName.set(pin.name, pin);
    this.#lines.set(pin.line, pin.name);
  }

  /** The pin of that name; throws UNKNOWN_PIN, or PIN_DIRECTION when `direction` is given and differs. */
  get(name: string, direction?: PinDirection): ResolvedPin {
    const pin = this.#byName.get(name);
    if (pin === undefined) throw new SteadError('UNKNOWN_PIN', `no pin named ${JSON.stringify(name)} is configured`, { data: { pin: name } });
    if (direction !== undefined && pin.direction !== direction) {
      const want = direction === 'out' ? 'an output' : 'an input';
      throw new SteadError('PIN_DIRECTION', `pin ${name} is not ${want}`, { data: { pin: name, direction: pin.direction } });
    }
    return pin;
  }

  /** Forgets a pin (one whose configuration failed, so it can be configured again). */
  delete(name: string): void {
    const pin = this.#byName.get(name);
    if (pin === undefined) return;
    this.#byName.delete(name);
    this.#lines.delete(pin.line);
  }

  pins(): ResolvedPin[] {
    return [...this.#byName.values()];
  }

  clear(): void {
    this.#byName.clear();
    this.#lines.clear();
  }
}

/**
 * Checks a whole `pins` section of a gadget config at once, before any pin is touched, so a bad
 * config fails at start-up with every pin left alone.
 */
export function resolvePins(pins: unknown): ResolvedPin[] {
  if (typeof pins !== 'object' || pins === null || Array.isArray(pins)) {
    throw new SteadError('BAD_PIN_CONFIG', 'pins is an object of pin name → { line, direction, … }');
  }
  const table = new PinTable();
  return Object.entries(pins as PinsConfig).map(([name, config]) => {
    const pin = table.check(name, config);
    table.add(pin);
    return pin;
  });
}

/** Configures every pin of a gadget config, after checking them all (resolvePins). */
export async function configurePins(gpio: { configure(name: string, config: PinConfig): Promise<void> }, pins: unknown): Promise<void> {
  resolvePins(pins);
  for (const [name, config] of Object.entries(pins as PinsConfig)) await gpio.configure(name, config);
}
