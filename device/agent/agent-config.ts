import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SteadError } from '../../shared/errors.js';
import type { PinsConfig } from '../../hardware/index.js';
import type { BackoffOptions } from '../backoff.js';
import type { GadgetDefinition } from './gadget.js';

/** Which GPIO backend drives the pins: the Linux sysfs one under `root`, or the simulator. */
export type GpioBackendConfig = { backend: 'linux'; root?: string; pollMs?: number } | { backend: 'simulated' };

/** The agent's configuration (docs/agent.md): `stead device --config <file>` reads it as JSON. */
export interface AgentConfig {
  /** The device id; its key file's device. */
  device: string;
  /** Broker URL: `mqtt://host:1883`, `mqtts://…`, `ws://…`. */
  broker: string;
  /** The device's key file (`stead keys new`, `stead flash`). */
  key: string;
  /** Where the agent keeps its notification cursor and bundle journal (atomic writes). */
  dataDir: string;
  /** The gadget: a module path (its default export is `defineGadget(…)`), or the definition. */
  gadget: string | GadgetDefinition;
  /** The proxy `<app>/<id>`; default `<gadget.app>/<device>`. */
  proxy?: string;
  gpio?: GpioBackendConfig;
  /** Replaces the gadget's own `pins` (the same board wired differently). */
  pins?: PinsConfig;
  audience?: string;
  reconnect?: BackoffOptions;
  /** How late a bundle may arrive and still run (default 1,000 ms). */
  lateToleranceMs?: number;
}

const KEYS = new Set(['device', 'broker', 'key', 'dataDir', 'gadget', 'proxy', 'gpio', 'pins', 'audience', 'reconnect', 'lateToleranceMs']);
const bad = (file: string, message: string): SteadError => new SteadError('BAD_OPTIONS', `${file}: ${message}`);

/**
 * Reads an agent config file. Relative paths (key, dataDir, gadget, gpio.root) are relative to
 * the file's folder, so a flashed folder (`/opt/stead`) can be moved or entered by chroot as is.
 * `gadget` may be left out when the agent was built with one (`stead flash`).
 */
export function loadAgentConfig(file: string, builtIn?: GadgetDefinition): AgentConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', `cannot read the agent config ${file} as JSON`, { cause });
  }
  return parseAgentConfig(value, dirname(resolve(file)), file, builtIn);
}

export function parseAgentConfig(value: unknown, base: string, file = 'agent config', builtIn?: GadgetDefinition): AgentConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(file, 'the config is a JSON object');
  const config = value as Record<string, unknown>;
  const unknown = Object.keys(config).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) throw bad(file, `unknown field ${unknown.join(', ')} (a typo?)`);
  for (const field of ['device', 'broker', 'key', 'dataDir'] as const) {
    if (typeof config[field] !== 'string' || config[field] === '') throw bad(file, `${field} is a non-empty string`);
  }
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(base, path));
  const gadget = config.gadget ?? builtIn;
  if (typeof gadget !== 'string' && (typeof gadget !== 'object' || gadget === null)) throw bad(file, 'gadget is the path of the gadget module');
  const gpio = parseGpio(file, config.gpio);
  return {
    ...(config as unknown as AgentConfig),
    key: at(config.key as string),
    dataDir: at(config.dataDir as string),
    gadget: typeof gadget === 'string' ? at(gadget) : (gadget as GadgetDefinition),
    gpio: gpio.backend === 'linux' ? { ...gpio, root: at(gpio.root ?? '/') } : gpio,
  };
}

function parseGpio(file: string, value: unknown): GpioBackendConfig {
  if (value === undefined) return { backend: 'linux' };
  const gpio = value as { backend?: unknown; root?: unknown; pollMs?: unknown };
  if (typeof value !== 'object' || value === null) throw bad(file, 'gpio is { backend: "linux", root } or { backend: "simulated" }');
  if (gpio.backend === 'simulated') return { backend: 'simulated' };
  if (gpio.backend !== 'linux') throw bad(file, 'gpio.backend is "linux" or "simulated"');
  if (gpio.root !== undefined && typeof gpio.root !== 'string') throw bad(file, 'gpio.root is a folder');
  if (gpio.pollMs !== undefined && !(Number.isInteger(gpio.pollMs) && (gpio.pollMs as number) > 0)) throw bad(file, 'gpio.pollMs is a positive integer');
  return value as GpioBackendConfig;
}
