import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { EdgeEvent, Gpio } from '../../hardware/index.js';
import { codeOfAsync } from '../helpers/errors.js';

/** What a backend under test gives the contract: the backend, and the outside world's side of its pins. */
export interface GpioFixture {
  gpio: Gpio;
  /** Sets an input's logical level from outside. */
  drive(pin: string, line: number, value: boolean): Promise<void>;
  /** The level an output is driven at, as the outside sees it (logical). */
  level(pin: string, line: number): Promise<boolean>;
  /** Lines the fixture's header chip has. */
  lines: number;
  cleanup(): Promise<void>;
}

/** The next edge a new watch sees; resolves once the watch is armed. */
async function nextEdge(gpio: Gpio, pin: string, edge: 'rising' | 'falling' | 'both' = 'both'): Promise<{ event: Promise<EdgeEvent>; stop: () => void }> {
  let resolveEvent: (event: EdgeEvent) => void = () => {};
  const event = new Promise<EdgeEvent>((resolve) => (resolveEvent = resolve));
  const stop = await gpio.watch(pin, edge, (seen) => resolveEvent(seen));
  return { event, stop };
}

/**
 * The GPIO contract (STYLE §4): every backend runs these in a few lines, so the simulator and
 * the Linux backend agree on what configure, read, write, watch and close mean.
 */
export function gpioContract(name: string, make: () => Promise<GpioFixture>): void {
  describe(`GPIO contract: ${name}`, () => {
    let fixture: GpioFixture;
    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    test('an output starts at its initial value and takes writes; read gives it back', async () => {
      const { gpio } = fixture;
      await gpio.configure('relay', { line: 27, direction: 'out', initial: true });
      expect(await fixture.level('relay', 27)).toBe(true);
      await gpio.write('relay', false);
      expect(await fixture.level('relay', 27)).toBe(false);
      expect(await gpio.read('relay')).toBe(false);
    });

    test('an input reads the level the outside drives', async () => {
      const { gpio } = fixture;
      await gpio.configure('door', { line: 17, direction: 'in' });
      await fixture.drive('door', 17, true);
      expect(await gpio.read('door')).toBe(true);
    });

    test('a watched input reports rising and falling edges with their values', async () => {
      const { gpio } = fixture;
      await gpio.configure('door', { line: 17, direction: 'in' });
      const rising = await nextEdge(gpio, 'door');
      await fixture.drive('door', 17, true);
      expect(await rising.event).toMatchObject({ pin: 'door', edge: 'rising', value: true });
      rising.stop();
      const falling = await nextEdge(gpio, 'door', 'falling');
      await fixture.drive('door', 17, false);
      expect(await falling.event).toMatchObject({ pin: 'door', edge: 'falling', value: false });
      falling.stop();
    });

    test('unknown pins, duplicate pins and wrong directions are typed errors', async () => {
      const { gpio } = fixture;
      await gpio.configure('door', { line: 17, direction: 'in' });
      await gpio.configure('relay', { line: 27, direction: 'out' });
      expect(await codeOfAsync(() => gpio.read('window'))).toBe('STEAD_E_UNKNOWN_PIN');
      expect(await codeOfAsync(() => gpio.configure('bell', { line: 17, direction: 'out' }))).toBe('STEAD_E_DUPLICATE_PIN');
      expect(await codeOfAsync(() => gpio.configure('door', { line: 5, direction: 'in' }))).toBe('STEAD_E_DUPLICATE_PIN');
      expect(await codeOfAsync(() => gpio.configure('far', { line: fixture.lines, direction: 'in' }))).toBe('STEAD_E_UNKNOWN_PIN');
      expect(await codeOfAsync(() => gpio.write('door', true))).toBe('STEAD_E_PIN_DIRECTION');
      expect(await codeOfAsync(() => gpio.watch('relay', 'both', () => {}))).toBe('STEAD_E_PIN_DIRECTION');
      expect(await codeOfAsync(() => gpio.configure('odd', { line: 3, direction: 'sideways' as 'in' }))).toBe('STEAD_E_BAD_PIN_CONFIG');
    });

    test('close drives outputs to their safe value, and the backend is closed after', async () => {
      const { gpio } = fixture;
      await gpio.configure('heater', { line: 22, direction: 'out', initial: true, safe: false });
      await gpio.close();
      expect(await fixture.level('heater', 22)).toBe(false);
      expect(await codeOfAsync(() => gpio.read('heater'))).toBe('STEAD_E_CLOSED');
    });
  });
}
