import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SteadError } from '../../shared/errors.js';
import type { Scenario } from './types.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Loads a scenario module for `stead simulate`: its default export, or an export named
 * `scenario`, with a `step` function. TypeScript loads through tsx's scoped `tsImport`, as the
 * broker loads apps (broker/apps/import-app.ts), and only then: plain JavaScript needs no tsx.
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let module: Record<string, unknown>;
  try {
    const url = pathToFileURL(resolve(file)).href;
    if (TYPESCRIPT.has(extname(file))) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(url)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new SteadError('SCENARIO_LOAD', `scenario ${file} did not load`, { cause: error });
  }
  const scenario = [module.default, module.scenario, (module.default as { default?: unknown } | undefined)?.default].find(isScenario);
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
