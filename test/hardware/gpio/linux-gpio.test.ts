import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { LinuxGpio, type EdgeEvent } from '../../../hardware/index.js';
import { findHeaderChip } from '../../../hardware/gpio/linux/header-chip.js';
import { gpioContract } from '../../contracts/gpio-contract.js';
import { codeOfAsync } from '../../helpers/errors.js';
import { test } from '../../helpers/fixtures.js';
import { until } from '../../helpers/wait.js';
import { fakePinctrl, FakeSysfs, PI4_CHIPS, PI5_CHIPS } from '../../helpers/fake-sysfs.js';

// The Pi 5 layout: the header chip is gpiochip571 (pinctrl-rp1), behind brcmstb decoys.
const PI5_BASE = 571;

gpioContract('linux sysfs (fake Pi 5 tree)', async () => {
  const sysfs = await FakeSysfs.create(PI5_CHIPS);
  const gpio = new LinuxGpio({ root: sysfs.root, pollMs: 2 });
  return {
    gpio,
    lines: 54,
    drive: (_pin, line, value) => sysfs.setValue(PI5_BASE + line, value),
    level: async (_pin, line) => (await sysfs.attribute(PI5_BASE + line, 'value')) === '1',
    cleanup: async () => {
      await gpio.close().catch(() => {});
      await sysfs.close();
    },
  };
});

describe('linux GPIO: the header chip is found by its label, never by number', () => {
  const trees: FakeSysfs[] = [];
  afterEach(async () => {
    for (const tree of trees.splice(0)) await tree.close();
  });
  const tree = async (chips: typeof PI5_CHIPS): Promise<FakeSysfs> => {
    const sysfs = await FakeSysfs.create(chips);
    trees.push(sysfs);
    return sysfs;
  };

  test.each([
    ['Pi 5 (pinctrl-rp1 at base 571)', PI5_CHIPS, 'pinctrl-rp1', 571 + 17],
    ['Pi 4 (pinctrl-bcm2711 at base 512)', PI4_CHIPS, 'pinctrl-bcm2711', 512 + 17],
    ['Pi 3 (pinctrl-bcm2835 at base 512)', [{ base: 512, label: 'pinctrl-bcm2835', ngpio: 54 }], 'pinctrl-bcm2835', 512 + 17],
    ['Pi 5 on an older kernel (rp1 was gpiochip4 … base 399+)', [{ base: 399, label: 'gpio-brcmstb@107d508500', ngpio: 32 }, { base: 453, label: 'pinctrl-rp1', ngpio: 54 }], 'pinctrl-rp1', 453 + 17],
  ])('%s: GPIO17 is exported as its base + 17', async (_name, chips, label, number) => {
    const sysfs = await tree(chips);
    expect((await findHeaderChip(sysfs.root)).label).toBe(label);
    const gpio = new LinuxGpio({ root: sysfs.root });
    await gpio.configure('door', { line: 17, direction: 'in' });
    expect(sysfs.exported).toEqual([number]);
    expect(await sysfs.attribute(number, 'direction')).toBe('in');
    await gpio.close();
    await until(() => sysfs.unexported.includes(number), 5000, 'the unexport');
  });

  test('no header chip, or no GPIO sysfs at all: GPIO_CHIP_NOT_FOUND', async ({ tempDir: empty }) => {
    const sysfs = await tree([{ base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 }]);
    expect(await codeOfAsync(() => new LinuxGpio({ root: sysfs.root }).configure('door', { line: 17, direction: 'in' }))).toBe('STEAD_E_GPIO_CHIP_NOT_FOUND');
    expect(await codeOfAsync(() => findHeaderChip(empty))).toBe('STEAD_E_GPIO_CHIP_NOT_FOUND');
  });

  test('active_low is set before direction, and an output starts glitch-free at its physical level', async () => {
    const sysfs = await tree(PI5_CHIPS);
    const gpio = new LinuxGpio({ root: sysfs.root });
    await gpio.configure('relay', { line: 27, direction: 'out', activeLow: true, initial: true });
    await gpio.configure('lamp', { line: 22, direction: 'out', initial: true });
    expect(await sysfs.attribute(PI5_BASE + 27, 'active_low')).toBe('1');
    // Logical true on an active-low line is the low level: `direction` takes physical levels.
    expect(await sysfs.attribute(PI5_BASE + 27, 'direction')).toBe('low');
    expect(await sysfs.attribute(PI5_BASE + 22, 'direction')).toBe('high');
    await gpio.close();
  });

  test('pulls go through pinctrl with the header GPIO number; a missing pinctrl is GPIO_IO', async ({ tempDir: bin }) => {
    const sysfs = await tree(PI5_CHIPS);
    const previousPath = process.env.PATH;
    try {
      await fakePinctrl(bin);
      process.env.PATH = `${bin}:${previousPath ?? ''}`;
      const gpio = new LinuxGpio({ root: sysfs.root });
      await gpio.configure('door', { line: 17, direction: 'in', pull: 'up' });
      await gpio.configure('stop', { line: 5, direction: 'in', pull: 'none' });
      expect((await readFile(join(bin, 'pinctrl.log'), 'utf8')).trim().split('\n')).toEqual(['set 17 pu', 'set 5 pn']);
      await gpio.close();
      const without = new LinuxGpio({ root: sysfs.root, pinctrl: join(bin, 'no-such-pinctrl') });
      expect(await codeOfAsync(() => without.configure('door', { line: 17, direction: 'in', pull: 'down' }))).toBe('STEAD_E_GPIO_IO');
      // A pin whose configuration failed is not held: it can be configured again.
      await without.configure('door', { line: 17, direction: 'in' });
      await without.close();
    } finally {
      process.env.PATH = previousPath;
    }
  });

  test('edges are polled and debounced: reported no sooner than debounceMs, within debounceMs + a few polls', async () => {
    const sysfs = await tree(PI5_CHIPS);
    const gpio = new LinuxGpio({ root: sysfs.root, pollMs: 5 });
    await gpio.configure('door', { line: 17, direction: 'in', debounceMs: 30 });
    let seen: (event: EdgeEvent) => void = () => {};
    const event = new Promise<EdgeEvent>((resolve) => (seen = resolve));
    await gpio.watch('door', 'rising', (edge) => seen(edge));
    const changedAt = Date.now();
    await sysfs.setValue(PI5_BASE + 17, true);
    const edge = await event;
    expect(edge).toMatchObject({ edge: 'rising', value: true });
    expect(edge.at - changedAt).toBeGreaterThanOrEqual(30);
    expect(edge.at - changedAt).toBeLessThan(30 + 200);
    await gpio.close();
  });
});
