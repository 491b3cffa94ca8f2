import type { Clock } from '../../shared/clock.js';
import { Debouncer } from './debouncer.js';
import type { EdgeEvent, EdgeListener, PinEdge } from './gpio.js';
import type { ResolvedPin } from './pin-config.js';

interface Watch {
  readonly debouncer: Debouncer;
}

/**
 * The edge watches of one backend, per pin: each watch debounces the pin's level samples on its
 * own and calls its listener for the edges it asked for. A backend feeds samples in; how it gets
 * them (driven by test code, polled from sysfs) is its own business.
 */
export class Watchers {
  readonly #byPin = new Map<string, Set<Watch>>();
  readonly #clock: Clock;
  readonly #onEdge: (event: EdgeEvent) => void;

  constructor(clock: Clock, onEdge: (event: EdgeEvent) => void = () => {}) {
    this.#clock = clock;
    this.#onEdge = onEdge;
  }

  add(pin: ResolvedPin, level: boolean, edge: PinEdge, listener: EdgeListener): () => void {
    const debouncer = new Debouncer(level, pin.debounceMs, this.#clock, (value, at) => {
      const event: EdgeEvent = { pin: pin.name, edge: value ? 'rising' : 'falling', value, at };
      if (edge !== 'both' && edge !== event.edge) return;
      this.#onEdge(event);
      listener(event);
    });
    const watch: Watch = { debouncer };
    let watches = this.#byPin.get(pin.name);
    if (watches === undefined) this.#byPin.set(pin.name, (watches = new Set()));
    watches.add(watch);
    return () => {
      debouncer.stop();
      watches.delete(watch);
      if (watches.size === 0 && this.#byPin.get(pin.name) === watches) this.#byPin.delete(pin.name);
    };
  }

  sample(pin: string, level: boolean): void {
    const watches = this.#byPin.get(pin);
    if (watches === undefined) return;
    for (const watch of watches) watch.debouncer.sample(level);
  }

  watched(pin: string): boolean {
    return this.#byPin.has(pin);
  }

  /** The pins with at least one watch. */
  pins(): string[] {
    return [...this.#byPin.keys()];
  }

  clear(): void {
    for (const watches of this.#byPin.values()) for (const watch of watches) watch.debouncer.stop();
    this.#byPin.clear();
  }
}
