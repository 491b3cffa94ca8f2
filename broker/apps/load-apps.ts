import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SteadError } from '../../shared/errors.js';
import { isProxyType, type ProxyType } from './define-proxy.js';

/**
 * Loads proxy types from modules (`--app path`): the default export, or every exported proxy
 * type. TypeScript modules load through tsx when Node cannot load them itself.
 */
export async function loadApps(paths: readonly string[]): Promise<ProxyType[]> {
  const apps: ProxyType[] = [];
  for (const path of paths) {
    const module = await importModule(resolve(path));
    const found = Object.values(module).filter(isProxyType);
    if (found.length === 0) throw new SteadError('APP_LOAD', `${path} exports no proxy type (use defineProxy)`);
    for (const app of found) if (!apps.some((a) => a === app)) apps.push(app);
  }
  const names = apps.map((a) => a.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new SteadError('APP_LOAD', `two apps are named ${duplicate}`);
  return apps;
}

let tsxRegistered = false;

async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && !tsxRegistered) {
      const { register } = await import('tsx/esm/api');
      register();
      tsxRegistered = true;
      return importModule(path);
    }
    throw new SteadError('APP_LOAD', `cannot load app module ${path}: ${(error as Error).message}`, { cause: error });
  }
}
