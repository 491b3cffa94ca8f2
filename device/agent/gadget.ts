import { SteadError } from '../../shared/errors.js';
import { assertName } from '../../shared/names.js';
import type { Gpio, PinsConfig } from '../../hardware/index.js';
import type { BeginResult } from '../session/types.js';

/** What a gadget's handlers get: its pins, its proxy, its folder, a log. */
export interface GadgetIo {
  /** The device id (its key's). */
  readonly device: string;
  /** The configured pins, by name (DESIGN §9): `io.pins.write('lamp', true)`. */
  readonly pins: Gpio;
  /** Calls a method of the gadget's proxy through its session (exactly once, DESIGN §4). */
  call(method: string, ...args: unknown[]): Promise<unknown>;
  /** The agent's data folder: a gadget may keep its own files here. */
  readonly dataDir: string;
  log(message: string, fields?: Record<string, unknown>): void;
}

/** One command a bundle may name: `args` as the proxy sent them; a throw marks it failed. */
export type GadgetCommand = (args: unknown[], io: GadgetIo) => unknown;

/**
 * A gadget app module's default export (docs/agent.md): which proxy session it keeps, its pins,
 * the commands bundles run, and what it does with other notifications.
 */
export interface GadgetDefinition {
  /** The proxy's app (proxy type); the proxy is `<app>/<device id>` unless the config names one. */
  app: string;
  /** The logical session's name on the proxy (default `gadget`). */
  session?: string;
  /** Pins by name (hardware/ PinConfig); the agent config's `pins`, when given, replace them. */
  pins?: PinsConfig;
  /** Bundle commands by method name (DESIGN §9: the proxy sends `{ after, method, args }`). */
  commands?: Record<string, GadgetCommand>;
  /** After each begin: the memento the proxy kept, and whether the previous run crashed. */
  onBegin?(begun: BeginResult, io: GadgetIo): void | Promise<void>;
  /** A notification that is not a bundle, in order, once (the cursor is in the data folder). */
  onNotification?(payload: unknown, io: GadgetIo): void | Promise<void>;
}

/** Checks a gadget definition and returns it (typed): the default export of a gadget module. */
export function defineGadget(definition: GadgetDefinition): GadgetDefinition {
  return parseGadget(definition);
}

const bad = (message: string): SteadError => new SteadError('BAD_OPTIONS', `gadget: ${message}`);

export function parseGadget(value: unknown): GadgetDefinition {
  if (typeof value !== 'object' || value === null) throw bad('a gadget module exports defineGadget({ app, commands, … }) as its default');
  const gadget = value as GadgetDefinition;
  if (typeof gadget.app !== 'string') throw bad('app is the proxy type the gadget talks to');
  assertName('app', gadget.app);
  if (gadget.session !== undefined) assertName('session', gadget.session);
  for (const [name, command] of Object.entries(gadget.commands ?? {})) {
    if (typeof command !== 'function') throw bad(`command ${name} is not a function`);
  }
  for (const hook of ['onBegin', 'onNotification'] as const) {
    if (gadget[hook] !== undefined && typeof gadget[hook] !== 'function') throw bad(`${hook} is not a function`);
  }
  return gadget;
}
