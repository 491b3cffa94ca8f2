import { watch, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeChip {
  /** The N of gpiochipN (its base, as the kernel names the sysfs folder). */
  base: number;
  label: string;
  ngpio: number;
}

/** Raspberry Pi OS layouts: a Pi 5 on a 6.6 kernel (RP1 behind decoys, base 571) and a Pi 4 (base 512). */
export const PI5_CHIPS: FakeChip[] = [
  { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
  { base: 544, label: 'gpio-brcmstb@107d508520', ngpio: 4 },
  { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
];
export const PI4_CHIPS: FakeChip[] = [
  { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
  { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
];

/**
 * A fake `/sys/class/gpio` in a temporary root, with a stand-in for the kernel's part: writing a
 * number to `export` makes `gpioN/` (direction, value, edge, active_low), `unexport` removes it.
 * Nothing else is simulated: `value` holds what was written, logical as the backend writes it
 * (the kernel's setting of `value` by `direction` high/low is not: the backend writes both).
 */
export class FakeSysfs {
  readonly root: string;
  readonly exported: number[] = [];
  readonly unexported: number[] = [];
  readonly #live = new Set<number>();
  #watchers: FSWatcher[] = [];
  readonly #owned: boolean;

  private constructor(root: string, owned: boolean) {
    this.root = root;
    this.#owned = owned;
  }

  /** Makes the tree in `root` (a new temporary folder when none is given) and starts serving exports. */
  static async create(chips: FakeChip[], root?: string): Promise<FakeSysfs> {
    const sysfs = new FakeSysfs(root ?? (await mkdtemp(join(tmpdir(), 'stead-sysfs-'))), root === undefined);
    await mkdir(sysfs.classDir, { recursive: true });
    for (const chip of chips) {
      const dir = join(sysfs.classDir, `gpiochip${chip.base}`);
      await mkdir(dir);
      await writeFile(join(dir, 'label'), `${chip.label}\n`);
      await writeFile(join(dir, 'base'), `${chip.base}\n`);
      await writeFile(join(dir, 'ngpio'), `${chip.ngpio}\n`);
    }
    await writeFile(join(sysfs.classDir, 'export'), '');
    await writeFile(join(sysfs.classDir, 'unexport'), '');
    sysfs.#serve('export', (text) => sysfs.#export(Number(text)));
    sysfs.#serve('unexport', (text) => sysfs.#unexport(Number(text)));
    return sysfs;
  }

  get classDir(): string {
    return join(this.root, 'sys/class/gpio');
  }

  /** Reads one attribute of an exported pin, trimmed. */
  async attribute(number: number, name: string): Promise<string> {
    return (await readFile(join(this.classDir, `gpio${number}`, name), 'utf8')).trim();
  }

  /** Sets an input's level, as the outside world would. */
  async setValue(number: number, value: boolean): Promise<void> {
    await writeFile(join(this.classDir, `gpio${number}`, 'value'), value ? '1\n' : '0\n');
  }

  async close(): Promise<void> {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    if (this.#owned) await rm(this.root, { recursive: true, force: true });
  }

  #serve(file: string, handle: (text: string) => Promise<void>): void {
    const path = join(this.classDir, file);
    const watcher = watch(path, () => {
      void readFile(path, 'utf8').then(async (text) => {
        if (text.trim() !== '') await handle(text.trim());
      }, () => {});
    });
    this.#watchers.push(watcher);
  }

  async #export(number: number): Promise<void> {
    if (!Number.isInteger(number) || this.#live.has(number)) return;
    this.#live.add(number);
    this.exported.push(number);
    const dir = join(this.classDir, `gpio${number}`);
    await mkdir(dir, { recursive: true });
    // direction last: a backend waits for it before it writes the others.
    for (const [name, value] of [['value', '0'], ['edge', 'none'], ['active_low', '0'], ['direction', 'in']] as const) {
      await writeFile(join(dir, name), `${value}\n`);
    }
  }

  async #unexport(number: number): Promise<void> {
    if (!this.#live.delete(number)) return;
    await rm(join(this.classDir, `gpio${number}`), { recursive: true, force: true });
    this.unexported.push(number);
  }
}

/**
 * A fake `pinctrl` in `dir` that appends its arguments to `<dir>/pinctrl.log`; returns its path.
 * `seenAs` is `dir` as the program that runs it sees it (inside a chroot, say).
 */
export async function fakePinctrl(dir: string, seenAs = dir): Promise<string> {
  const path = join(dir, 'pinctrl');
  await writeFile(path, `#!/bin/sh\necho "$@" >> "${join(seenAs, 'pinctrl.log')}"\n`, { mode: 0o755 });
  return path;
}
