import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as z from 'zod/mini';
import { SteadError } from '../../shared/errors.js';
import { isValidName } from '../../shared/names.js';
import { expected, instance, isObject, nonEmptyString, optionsSchema, parseOptions, positiveInteger, wholeNumber, type OptionsErrorKey } from '../../shared/options.js';
import type { PinsConfig } from '../../hardware/index.js';
import type { BackoffOptions } from '../backoff.js';
import { backoffSchema } from '../device-options.js';
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

const GPIO = expected('{ backend: "linux", root, pollMs } or { backend: "simulated" }');

const gpioSchema = z.discriminatedUnion(
  'backend',
  [
    z.strictObject({ backend: z.literal('linux'), root: z.optional(nonEmptyString('a folder')), pollMs: z.optional(positiveInteger) }, GPIO),
    z.strictObject({ backend: z.literal('simulated') }, GPIO),
  ],
  GPIO,
);

const name = (what: string): z.ZodMiniString => z.string(expected(what)).check(z.refine(isValidName, expected(`${what}: [a-z0-9][a-z0-9_.-]{0,63}`)));
const isProxyAddress = (value: string): boolean => value.split('/').length === 2 && value.split('/').every(isValidName);

/**
 * The agent config's one schema: the file (`stead device --config`, BAD_CONFIG) and `runAgent`'s
 * options (BAD_OPTIONS) alike. The pins' own fields are the GPIO layer's to check
 * (BAD_PIN_CONFIG, DUPLICATE_PIN), all of them before any pin is touched.
 */
export const agentConfigSchema = optionsSchema<AgentConfig>(
  {
    device: name('a device id'),
    broker: nonEmptyString('a broker URL'),
    key: nonEmptyString('the key file'),
    dataDir: nonEmptyString('a folder'),
    gadget: z.union([nonEmptyString('the gadget module'), instance<GadgetDefinition>('a gadget (defineGadget)', isObject)], expected('the path of the gadget module')),
    proxy: z.optional(z.string(expected('a proxy <app>/<id>')).check(z.refine(isProxyAddress, expected('a proxy <app>/<id>')))),
    gpio: z.optional(gpioSchema),
    pins: z.optional(instance<PinsConfig>('an object of pin name → { line, direction, … }', isObject)),
    audience: z.optional(nonEmptyString('a name')),
    reconnect: z.optional(backoffSchema),
    lateToleranceMs: z.optional(wholeNumber),
  },
  'the config: a JSON object',
);

/** `config` checked as `runAgent`'s options (BAD_OPTIONS) or a file's contents (BAD_CONFIG, `where` its name). */
export function checkAgentConfig(config: unknown, key: OptionsErrorKey = 'BAD_OPTIONS', where?: string): AgentConfig {
  return parseOptions(agentConfigSchema, config, key, where);
}

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
    throw new SteadError('BAD_CONFIG', `cannot read the agent config ${file} as JSON`, { cause });
  }
  return parseAgentConfig(value, dirname(resolve(file)), file, builtIn);
}

/** A config file's contents, checked (BAD_CONFIG naming each bad field), with its paths resolved against `base`. */
export function parseAgentConfig(value: unknown, base: string, file = 'agent config', builtIn?: GadgetDefinition): AgentConfig {
  const withGadget = isObject(value) && value.gadget === undefined && builtIn ? { ...value, gadget: builtIn } : value;
  const config = checkAgentConfig(withGadget, 'BAD_CONFIG', file);
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(base, path));
  const gpio = config.gpio ?? { backend: 'linux' };
  return {
    ...config,
    key: at(config.key),
    dataDir: at(config.dataDir),
    gadget: typeof config.gadget === 'string' ? at(config.gadget) : config.gadget,
    gpio: gpio.backend === 'linux' ? { ...gpio, root: at(gpio.root ?? '/') } : gpio,
  };
}
