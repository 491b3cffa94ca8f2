import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../../shared/clock.js';
import { SteadError } from '../../../shared/errors.js';
import type { EdgeListener, Gpio, PinConfig, PinEdge } from '../gpio.js';
import { PinTable, resolvePin, type ResolvedPin } from '../pin-config.js';
import { Watchers } from '../watchers.js';
import { findHeaderChip, HEADER_CHIP_LABELS, type HeaderChip } from './header-chip.js';
import { setPull } from './pinctrl.js';
import { delay, waitWritable, writeAttribute } from './sysfs-files.js';

export interface LinuxGpioOptions {
  /** The root the sysfs paths are under (default `/`); tests give a fake tree. */
  root?: string;
  clock?: Clock;
  /** How often a watched input's value file is read (default 10 ms). */
  pollMs?: number;
  /** The header chip's labels, in order of preference (default HEADER_CHIP_LABELS). */
  chipLabels?: readonly string[];
  /** The command that sets pulls (default `pinctrl`, from PATH). */
  pinctrl?: string;
  /** How long a freshly exported pin's files may take to appear and become writable (default 2 s). */
  exportTimeoutMs?: number;
  /** A watched input whose value file cannot be read; the watch goes on polling. */
  onError?: (error: SteadError) => void;
}

/**
 * The Linux backend (DESIGN §9) over the GPIO sysfs ABI: `export`, then `gpioN/active_low`,
 * `direction` (`high`/`low` sets an output glitch-free at its initial level) and `value`. Pure
 * JavaScript: edges are found by polling `value` every `pollMs` and debouncing on the injected
 * clock, because waiting for sysfs's POLLPRI needs a native addon. An edge is therefore reported
 * between `debounceMs` and `debounceMs + pollMs` (plus one file read) after the level settles,
 * and a pulse shorter than `pollMs` may be missed. The `edge` file is left at `none`.
 */
export class LinuxGpio implements Gpio {
  readonly #table = new PinTable();
  readonly #root: string;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #labels: readonly string[];
  readonly #pinctrl: string;
  readonly #exportTimeoutMs: number;
  readonly #onError: (error: SteadError) => void;
  readonly #watchers: Watchers;
  readonly #polls = new Map<string, { timer: object | null }>();
  #chip: Promise<HeaderChip> | null = null;
  #closed = false;

  constructor(options: LinuxGpioOptions = {}) {
    this.#root = options.root ?? '/';
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? 10;
    this.#labels = options.chipLabels ?? HEADER_CHIP_LABELS;
    this.#pinctrl = options.pinctrl ?? 'pinctrl';
    this.#exportTimeoutMs = options.exportTimeoutMs ?? 2000;
    this.#onError = options.onError ?? (() => {});
    this.#watchers = new Watchers(this.#clock);
  }

  /** The header chip, found once by label. */
  chip(): Promise<HeaderChip> {
    this.#chip ??= findHeaderChip(this.#root, this.#labels);
    return this.#chip;
  }

  async configure(name: string, config: PinConfig): Promise<void> {
    this.#open();
    resolvePin(name, config);
    const chip = await this.chip();
    // Checked against the other pins and held with no await between, so two configures of one line cannot both pass.
    const pin = this.#table.check(name, config);
    if (pin.line >= chip.ngpio) {
      throw new SteadError('UNKNOWN_PIN', `line ${pin.line} is not on ${chip.label} (${chip.ngpio} lines)`, { data: { pin: name, line: pin.line } });
    }
    this.#table.add(pin);
    try {
      await this.#setUp(chip, pin);
    } catch (error) {
      this.#table.delete(name);
      throw error;
    }
  }

  async #setUp(chip: HeaderChip, pin: ResolvedPin): Promise<void> {
    const dir = await this.#export(chip, pin);
    await writeAttribute(join(dir, 'active_low'), pin.activeLow ? '1' : '0');
    // `high`/`low` are physical levels (the kernel writes them raw), `value` is logical.
    const level = pin.initial !== pin.activeLow ? 'high' : 'low';
    await writeAttribute(join(dir, 'direction'), pin.direction === 'out' ? level : 'in');
    // The kernel has set the level already; writing the same value again changes nothing on a
    // board and makes the configured level explicit wherever a driver ignores high/low.
    if (pin.direction === 'out') await writeAttribute(join(dir, 'value'), pin.initial ? '1' : '0');
    if (pin.pull !== null) await setPull(this.#pinctrl, pin.line, pin.pull);
  }

  async read(name: string): Promise<boolean> {
    this.#open();
    return this.#readValue(this.#table.get(name));
  }

  async write(name: string, value: boolean): Promise<void> {
    this.#open();
    const pin = this.#table.get(name, 'out');
    await writeAttribute(join(await this.#dir(pin), 'value'), value ? '1' : '0');
  }

  async watch(name: string, edge: PinEdge, listener: EdgeListener): Promise<() => void> {
    this.#open();
    const pin = this.#table.get(name, 'in');
    const level = await this.#readValue(pin);
    this.#open();
    const unwatch = this.#watchers.add(pin, level, edge, listener);
    this.#startPolling(pin);
    return () => {
      unwatch();
      if (!this.#watchers.watched(name)) this.#stopPolling(name);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchers.clear();
    for (const name of [...this.#polls.keys()]) this.#stopPolling(name);
    const failures: unknown[] = [];
    for (const pin of this.#table.pins()) {
      try {
        if (pin.safe !== null) await writeAttribute(join(await this.#dir(pin), 'value'), pin.safe ? '1' : '0');
        // Unexporting leaves an output driving its last level: the safe one, where there is one.
        await writeAttribute(join(this.#root, 'sys/class/gpio/unexport'), String((await this.chip()).base + pin.line));
      } catch (error) {
        failures.push(error);
      }
    }
    this.#table.clear();
    if (failures.length > 0) throw new SteadError('GPIO_IO', `${failures.length} pin(s) could not be released`, { cause: failures[0] });
  }

  async #export(chip: HeaderChip, pin: ResolvedPin): Promise<string> {
    const number = chip.base + pin.line;
    const dir = join(this.#root, 'sys/class/gpio', `gpio${number}`);
    if (!(await exists(dir))) {
      try {
        await writeAttribute(join(this.#root, 'sys/class/gpio/export'), String(number));
      } catch (error) {
        // EBUSY: exported meanwhile (by another run of the agent, say); the folder tells.
        if (!(await exists(dir))) throw error;
      }
    }
    const deadline = this.#clock.now() + this.#exportTimeoutMs;
    while (!(await exists(join(dir, 'direction')))) {
      if (this.#clock.now() >= deadline) throw new SteadError('GPIO_IO', `gpio${number} did not appear after export`, { data: { pin: pin.name, number } });
      await delay(this.#clock, 5);
    }
    await waitWritable(join(dir, 'direction'), this.#clock, Math.max(0, deadline - this.#clock.now()));
    return dir;
  }

  async #dir(pin: ResolvedPin): Promise<string> {
    return join(this.#root, 'sys/class/gpio', `gpio${(await this.chip()).base + pin.line}`);
  }

  async #readValue(pin: ResolvedPin): Promise<boolean> {
    const path = join(await this.#dir(pin), 'value');
    try {
      return (await readFile(path, 'utf8')).trim() === '1';
    } catch (cause) {
      throw new SteadError('GPIO_IO', `could not read ${path}`, { cause, data: { pin: pin.name } });
    }
  }

  #startPolling(pin: ResolvedPin): void {
    if (this.#polls.has(pin.name)) return;
    const poll = { timer: null as object | null };
    this.#polls.set(pin.name, poll);
    const tick = (): void => {
      poll.timer = null;
      this.#readValue(pin).then(
        (level) => this.#watchers.sample(pin.name, level),
        (error: SteadError) => this.#onError(error),
      ).finally(() => {
        if (this.#polls.get(pin.name) === poll) poll.timer = this.#clock.setTimeout(tick, this.#pollMs);
      });
    };
    poll.timer = this.#clock.setTimeout(tick, this.#pollMs);
  }

  #stopPolling(name: string): void {
    const poll = this.#polls.get(name);
    if (poll === undefined) return;
    this.#polls.delete(name);
    if (poll.timer !== null) this.#clock.clearTimeout(poll.timer);
  }

  #open(): void {
    if (this.#closed) throw new SteadError('CLOSED', 'the GPIO backend is closed');
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
