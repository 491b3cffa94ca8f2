import { SteadError } from '../../shared/errors.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { EdgeListener, Gpio, PinConfig, PinEdge } from './gpio.js';
import { PinTable } from './pin-config.js';
import { Watchers } from './watchers.js';

/** One line of the simulator's record: what happened to which pin, and when. */
export interface GpioHistoryEntry {
  at: number;
  pin: string;
  /** `configure` (the level set up), `write` (app code drove an output), `drive` (test code set an input), `edge` (a debounced edge was reported), `close` (the level left at close). */
  kind: 'configure' | 'write' | 'drive' | 'edge' | 'close';
  value: boolean;
}

export interface SimulatedGpioOptions {
  clock?: Clock;
  /** Lines the simulated header chip has (default 54, the Pi 5's RP1). */
  lines?: number;
}

/**
 * The simulated backend (DESIGN §9): pins live in memory, test code drives inputs with
 * `drive()`, edges are debounced on the injected clock, and everything is kept in `history`.
 */
export class SimulatedGpio implements Gpio {
  readonly history: GpioHistoryEntry[] = [];
  readonly #table = new PinTable();
  readonly #levels = new Map<string, boolean>();
  readonly #clock: Clock;
  readonly #lines: number;
  readonly #watchers: Watchers;
  #closed = false;

  constructor(options: SimulatedGpioOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lines = options.lines ?? 54;
    this.#watchers = new Watchers(this.#clock, (event) => this.#record(event.pin, 'edge', event.value));
  }

  async configure(name: string, config: PinConfig): Promise<void> {
    this.#open();
    const pin = this.#table.check(name, config);
    if (pin.line >= this.#lines) {
      throw new SteadError('UNKNOWN_PIN', `line ${pin.line} is not on the simulated chip (${this.#lines} lines)`, { data: { pin: name, line: pin.line } });
    }
    this.#table.add(pin);
    // An input idles at its pull's level; an output starts at its initial value.
    const level = pin.direction === 'out' ? pin.initial : (pin.pull === 'up') !== pin.activeLow;
    this.#levels.set(name, level);
    this.#record(name, 'configure', level);
  }

  async read(name: string): Promise<boolean> {
    this.#open();
    this.#table.get(name);
    return this.#levels.get(name) === true;
  }

  async write(name: string, value: boolean): Promise<void> {
    this.#open();
    this.#table.get(name, 'out');
    this.#levels.set(name, value);
    this.#record(name, 'write', value);
  }

  async watch(name: string, edge: PinEdge, listener: EdgeListener): Promise<() => void> {
    this.#open();
    const pin = this.#table.get(name, 'in');
    return this.#watchers.add(pin, this.#levels.get(name) === true, edge, listener);
  }

  /** Test code: sets an input's (logical) level, as the outside world would. */
  drive(name: string, value: boolean): void {
    this.#open();
    this.#table.get(name, 'in');
    this.#levels.set(name, value);
    this.#record(name, 'drive', value);
    this.#watchers.sample(name, value);
  }

  /** The current level of a pin: what was written to an output, or driven on an input. */
  level(name: string): boolean {
    this.#table.get(name);
    return this.#levels.get(name) === true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#watchers.clear();
    for (const pin of this.#table.pins()) {
      if (pin.safe !== null) this.#levels.set(pin.name, pin.safe);
      this.#record(pin.name, 'close', this.#levels.get(pin.name) === true);
    }
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new SteadError('CLOSED', 'the GPIO backend is closed');
  }

  #record(pin: string, kind: GpioHistoryEntry['kind'], value: boolean): void {
    this.history.push({ at: this.#clock.now(), pin, kind, value });
  }
}
