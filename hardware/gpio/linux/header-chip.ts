import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SteadError } from '../../../shared/errors.js';

/**
 * The labels of the Raspberry Pi header's GPIO chip, newest board first. Kernels give chips
 * dynamic bases (512 and up since 6.6) and the Pi 5's RP1 chip moved from gpiochip4 to
 * gpiochip0 between kernels, so the chip is found by its label, never by a number.
 */
export const HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface HeaderChip {
  /** The chip's sysfs folder, `<root>/sys/class/gpio/gpiochipN`. */
  path: string;
  label: string;
  /** The kernel number of line 0: line `n` is `gpio<base + n>`. */
  base: number;
  ngpio: number;
}

const readText = async (path: string): Promise<string> => (await readFile(path, 'utf8')).trim();

/** The chip under `<root>/sys/class/gpio` whose label comes first in `labels`; GPIO_CHIP_NOT_FOUND otherwise. */
export async function findHeaderChip(root: string, labels: readonly string[] = HEADER_CHIP_LABELS): Promise<HeaderChip> {
  const classDir = join(root, 'sys/class/gpio');
  let names: string[];
  try {
    names = (await readdir(classDir)).filter((name) => /^gpiochip\d+$/.test(name));
  } catch (cause) {
    throw new SteadError('GPIO_CHIP_NOT_FOUND', `no GPIO sysfs at ${classDir} (is CONFIG_GPIO_SYSFS on?)`, { cause, data: { root } });
  }
  const chips: HeaderChip[] = [];
  for (const name of names) {
    const path = join(classDir, name);
    try {
      const [label, base, ngpio] = await Promise.all([readText(join(path, 'label')), readText(join(path, 'base')), readText(join(path, 'ngpio'))]);
      chips.push({ path, label, base: Number(base), ngpio: Number(ngpio) });
    } catch {
      // A chip that vanished or cannot be read is not the header chip; the others may be.
    }
  }
  for (const label of labels) {
    const chip = chips.find((candidate) => candidate.label === label && Number.isInteger(candidate.base) && Number.isInteger(candidate.ngpio));
    if (chip !== undefined) return chip;
  }
  throw new SteadError('GPIO_CHIP_NOT_FOUND', `no GPIO chip labelled ${labels.join(' or ')} under ${classDir}`, {
    data: { root, labels: [...labels], found: chips.map((chip) => chip.label) },
  });
}
