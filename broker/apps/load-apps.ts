import { SteadError } from '../../shared/errors.js';
import { importUserModule } from '../../shared/user-module.js';
import { isProxyType, type ProxyType } from './define-proxy.js';
import { resolveApp } from './resolve-app.js';

/**
 * Loads proxy types from modules (`--app path`): every exported proxy type, the default export
 * first (shared/user-module.ts reads a module's exports). A path is a module file (`.ts`, `.mts`, `.js`, `.mjs`, `.cjs`) or a folder (a package,
 * ESM or CommonJS, or a folder with an `app.*` or `index.*` file).
 */
export async function loadApps(paths: readonly string[]): Promise<ProxyType[]> {
  const apps: ProxyType[] = [];
  for (const path of paths) {
    const found = (await loadModule(path)).filter(isProxyType);
    if (found.length === 0) throw new SteadError('APP_LOAD', `${path} exports no proxy type (use defineProxy)`);
    for (const app of found) if (!apps.includes(app)) apps.push(app);
  }
  const names = apps.map((a) => a.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new SteadError('APP_LOAD', `two apps are named ${duplicate}`);
  return apps;
}

async function loadModule(path: string): Promise<unknown[]> {
  const file = await resolveApp(path);
  try {
    return await importUserModule(file);
  } catch (error) {
    throw new SteadError('APP_LOAD', `cannot load app module ${file}: ${(error as Error).message}`, { cause: error });
  }
}
