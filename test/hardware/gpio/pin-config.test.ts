import { describe, expect, test } from 'vitest';
import { configurePins, resolvePins, SimulatedGpio } from '../../../hardware/index.js';
import { codeOf, codeOfAsync } from '../../helpers/errors.js';

describe('the pins of a gadget config are checked before any pin is touched', () => {
  test.each([
    ['not an object', [], 'STEAD_E_BAD_PIN_CONFIG'],
    ['a bad pin name', { 'Door!': { line: 17, direction: 'in' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['no line', { door: { direction: 'in' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['a negative line', { door: { line: -1, direction: 'in' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['a fractional line', { door: { line: 1.5, direction: 'in' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['a bad direction', { door: { line: 17, direction: 'input' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['a bad pull', { door: { line: 17, direction: 'in', pull: 'sideways' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['activeLow not a boolean', { door: { line: 17, direction: 'in', activeLow: 'yes' } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['an input with an initial value', { door: { line: 17, direction: 'in', initial: true } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['an output with a debounce', { relay: { line: 27, direction: 'out', debounceMs: 5 } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['a negative debounce', { door: { line: 17, direction: 'in', debounceMs: -5 } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['a misspelt field', { door: { line: 17, direction: 'in', debounce: 20 } }, 'STEAD_E_BAD_PIN_CONFIG'],
    ['two pins on one line', { door: { line: 17, direction: 'in' }, bell: { line: 17, direction: 'out' } }, 'STEAD_E_DUPLICATE_PIN'],
    ['a good config', { door: { line: 17, direction: 'in', pull: 'up', debounceMs: 20 }, relay: { line: 27, direction: 'out', safe: false } }, 'no error'],
  ])('%s → %s', (_name, pins, expected) => {
    expect(codeOf(() => resolvePins(pins))).toBe(expected);
  });

  test('configurePins configures nothing when any pin is bad', async () => {
    const gpio = new SimulatedGpio();
    const pins = { relay: { line: 27, direction: 'out' }, door: { line: 17, direction: 'sideways' } };
    expect(await codeOfAsync(() => configurePins(gpio, pins))).toBe('STEAD_E_BAD_PIN_CONFIG');
    expect(gpio.history).toEqual([]);
    await configurePins(gpio, { relay: { line: 27, direction: 'out', initial: true } });
    expect(gpio.level('relay')).toBe(true);
    await gpio.close();
  });
});
