import { SteadError } from '../../shared/errors.js';
import { importUserModule } from '../../shared/user-module.js';
import type { Scenario } from './types.js';

/**
 * Loads a scenario module for `stead simulate`: its default export, else the first named export
 * (`scenario`, say) that is a scenario, an object with a `step` function (the rule of
 * shared/user-module.ts). TypeScript loads through tsx, and only then.
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let exported: unknown[];
  try {
    exported = await importUserModule(file);
  } catch (error) {
    throw new SteadError('SCENARIO_LOAD', `scenario ${file} did not load`, { cause: error });
  }
  const scenario = exported.find(isScenario);
  if (!scenario) throw new SteadError('SCENARIO_LOAD', `scenario ${file} exports no scenario (a default export with a step function)`);
  return scenario;
}

function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && typeof (value as { step?: unknown }).step === 'function';
}

/** Types a scenario module's export (an identity at run time). */
export function defineScenario<M extends object = Record<string, unknown>>(scenario: Scenario<M>): Scenario<M> {
  return scenario;
}
