import { describe, expect, test } from 'vitest';
import { SimulatedGpio, type EdgeEvent } from '../../../hardware/index.js';
import { gpioContract } from '../../contracts/gpio-contract.js';
import { ManualClock } from '../../helpers/manual-clock.js';

gpioContract('simulated', async () => {
  const gpio = new SimulatedGpio();
  return {
    gpio,
    lines: 54,
    drive: async (pin, _line, value) => gpio.drive(pin, value),
    level: async (pin) => gpio.level(pin),
    cleanup: () => gpio.close(),
  };
});

describe('simulated GPIO: debounce on the injected clock', () => {
  test('a level must hold for debounceMs; a bounce shorter than that reports nothing', async () => {
    const clock = new ManualClock();
    const gpio = new SimulatedGpio({ clock });
    await gpio.configure('button', { line: 4, direction: 'in', pull: 'up', activeLow: true, debounceMs: 20 });
    const events: EdgeEvent[] = [];
    await gpio.watch('button', 'both', (event) => events.push(event));
    const start = clock.now();

    gpio.drive('button', true);
    clock.advance(5);
    gpio.drive('button', false); // a bounce: back before 20 ms
    clock.advance(30);
    expect(events).toEqual([]);

    gpio.drive('button', true);
    clock.advance(19);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([{ pin: 'button', edge: 'rising', value: true, at: start + 55 }]);
    await gpio.close();
  });

  test('an input idles at its pull level (logical, after activeLow); history records what happened', async () => {
    const clock = new ManualClock();
    const gpio = new SimulatedGpio({ clock });
    await gpio.configure('button', { line: 4, direction: 'in', pull: 'up', activeLow: true });
    await gpio.configure('lamp', { line: 5, direction: 'out' });
    expect(await gpio.read('button')).toBe(false);
    await gpio.write('lamp', true);
    gpio.drive('button', true);
    expect(gpio.history.map(({ pin, kind, value }) => `${pin} ${kind} ${value}`)).toEqual([
      'button configure false',
      'lamp configure false',
      'lamp write true',
      'button drive true',
    ]);
    await gpio.close();
  });
});
