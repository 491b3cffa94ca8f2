import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SteadError } from '../../shared/errors.js';
import { parseOptions } from '../../shared/options.js';
import type { StartBrokerOptions } from '../host/start-broker.js';
import { brokerConfigSchema, type BrokerConfig } from './config-schema.js';

/**
 * Reads `stead.json` (`stead broker --config`): parses it, checks it against the schema
 * (config-schema.ts) and turns it into options for `startBroker`. Relative paths in it resolve
 * against the file's folder. A bad file is a BAD_CONFIG whose message starts with the field's
 * path (`limits.maxInbox: expected a positive integer`).
 */
export async function loadBrokerConfig(path: string): Promise<StartBrokerOptions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SteadError('BAD_CONFIG', `cannot read the config file ${path}`, { cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new SteadError('BAD_CONFIG', `${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  return parseBrokerConfig(data, dirname(resolve(path)));
}

/** The same for configuration already parsed: checked, with relative paths resolved against `baseDir`. */
export function parseBrokerConfig(data: unknown, baseDir: string): StartBrokerOptions {
  // `data.fields` lists the bad fields' paths, for code (and tests) that must not read messages.
  return toStartOptions(parseOptions(brokerConfigSchema, data, 'BAD_CONFIG'), baseDir);
}

/** One step per section: a new section adds its own line here. */
function toStartOptions(config: BrokerConfig, baseDir: string): StartBrokerOptions {
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const options: StartBrokerOptions = {};
  if (config.apps) options.apps = config.apps.map(at);
  if (config.store) {
    if (config.store.url !== undefined) options.store = config.store.url;
    if (config.store.options) options.storeOptions = config.store.options;
    // A bare name is a package, found from the config file's folder (loadStoreModules).
    if (config.store.modules) options.storeModules = config.store.modules.map((m) => (isPathLike(m) ? at(m) : m));
  }
  if (config.store !== undefined) options.storeBaseDir = baseDir;
  if (config.limits) options.limits = config.limits;
  if (config.root !== undefined) options.root = config.root;
  if (config.listeners) options.listeners = config.listeners.map((l) => ({ ...l, cert: l.cert && at(l.cert), key: l.key && at(l.key) }));
  if (config.logLevel) options.logLevel = config.logLevel;
  if (config.auth) options.auth = config.auth;
  if (config.connections) options.connections = config.connections;
  if (config.blobKey !== undefined) options.blobKey = at(config.blobKey);
  if (config.http) {
    options.http = config.http.listen;
    if (config.http.adminToken !== undefined) options.adminToken = config.http.adminToken;
    if (config.http.hosts !== undefined) options.httpHosts = config.http.hosts;
  }
  if (config.sessions?.idleTtlMs !== undefined) options.sessionIdleTtlMs = config.sessions.idleTtlMs;
  if (config.events?.publishCommits !== undefined) options.publishCommits = config.events.publishCommits;
  return options;
}

function isPathLike(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier);
}
