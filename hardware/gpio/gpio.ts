/**
 * The GPIO interface (DESIGN §9): a small typed contract with a simulated backend (tests, the
 * simulator) and a Linux backend (sysfs under a configurable root). The agent and app code see
 * pins by the names the gadget config gives them, never by kernel numbers.
 */

export type PinDirection = 'in' | 'out';
/** Bias: `none` switches pulls off; leaving `pull` out keeps what the board has. */
export type PinPull = 'up' | 'down' | 'none';
export type PinEdge = 'rising' | 'falling' | 'both';

/**
 * One pin of the gadget config, e.g. `pins: { door: { line: 17, direction: 'in', pull: 'up',
 * debounceMs: 20 }, relay: { line: 27, direction: 'out', initial: false, safe: false } }`.
 * Values are logical: with `activeLow`, `true` is the low level.
 */
export interface PinConfig {
  /** The line on the header chip: the BCM GPIO number (`GPIO17` is 17), not a kernel number. */
  line: number;
  direction: PinDirection;
  pull?: PinPull;
  activeLow?: boolean;
  /** Outputs: the value driven as the pin is configured (default false). */
  initial?: boolean;
  /** Outputs: the value driven when the pins are closed (the gadget's safe state). */
  safe?: boolean;
  /** Inputs: a level must hold this long before an edge is reported (default 0). */
  debounceMs?: number;
}

export type PinsConfig = Record<string, PinConfig>;

/** A debounced edge on an input. */
export interface EdgeEvent {
  pin: string;
  edge: 'rising' | 'falling';
  /** The new (logical) value. */
  value: boolean;
  /** The clock's time when the level was confirmed (after the debounce). */
  at: number;
}

export type EdgeListener = (event: EdgeEvent) => void;

/** A GPIO backend. Every method rejects with a SteadError (UNKNOWN_PIN, PIN_DIRECTION, GPIO_IO…). */
export interface Gpio {
  /** Configures one pin; checked against the pins configured before (DUPLICATE_PIN). */
  configure(name: string, config: PinConfig): Promise<void>;
  read(name: string): Promise<boolean>;
  /** Drives an output. */
  write(name: string, value: boolean): Promise<void>;
  /**
   * Watches an input for debounced edges. Resolves, with the function that stops watching, once
   * the watch has read its starting level: every change after that is seen.
   */
  watch(name: string, edge: PinEdge, listener: EdgeListener): Promise<() => void>;
  /** Stops every watch, drives each output with a `safe` value to it, releases the pins. */
  close(): Promise<void>;
}
