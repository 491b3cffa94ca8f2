import { appendFileSync } from 'node:fs';
import { SimulatedGpio, type EdgeListener, type Gpio, type PinConfig, type PinEdge } from '../../hardware/index.js';

/**
 * The simulated backend for an agent run as a process (tests, a bench without a board): the
 * simulator's history, one JSON line per entry, appended to `gpio-history.jsonl` in the data
 * folder as it happens, so another process sees what the pins did across agent restarts.
 */
export class RecordedGpio implements Gpio {
  readonly simulator = new SimulatedGpio();
  readonly #file: string;
  #written = 0;

  constructor(file: string) {
    this.#file = file;
  }

  async configure(name: string, config: PinConfig): Promise<void> {
    await this.#record(() => this.simulator.configure(name, config));
  }

  read(name: string): Promise<boolean> {
    return this.simulator.read(name);
  }

  async write(name: string, value: boolean): Promise<void> {
    await this.#record(() => this.simulator.write(name, value));
  }

  async watch(name: string, edge: PinEdge, listener: EdgeListener): Promise<() => void> {
    return this.simulator.watch(name, edge, (event) => {
      this.#flush();
      listener(event);
    });
  }

  async close(): Promise<void> {
    await this.#record(() => this.simulator.close());
  }

  async #record(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } finally {
      this.#flush();
    }
  }

  #flush(): void {
    const entries = this.simulator.history.slice(this.#written);
    if (entries.length === 0) return;
    this.#written += entries.length;
    appendFileSync(this.#file, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }
}
