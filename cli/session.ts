import type { Command } from 'commander';
import type { SessionCommandOptions, SessionCommandResult, SessionVerb } from '../device/index.js';
import { DEFAULT_BROKER_URL, DEFAULT_COMMAND_DEADLINE_MS, DEFAULT_ROOT } from '../shared/defaults.js';
import { SteadError } from '../shared/errors.js';
import { errorLine, printError } from './errors.js';
import { SESSION_EXIT_CODES, SESSION_EXIT_HELP } from './exit-codes.js';
import { keyOptions, parsePositive } from './options.js';

interface SessionFlags {
  broker: string;
  root: string;
  deadline: number;
  ttl?: number;
  once?: boolean;
  key?: string;
  audience?: string;
  journal?: string;
  new?: boolean;
}

const VERBS: readonly [SessionVerb, string, string][] = [
  ['new', 'make a logical session with an unguessable id; prints its address', 'session:<app>/<id>'],
  ['get', 'print a resource as JSON (a once-only one is consumed)', 'session:<app>/<id>/<session>+<key>'],
  ['put', 'store a JSON value as a resource', 'session:<app>/<id>/<session>+<key>'],
  ['exists', 'print whether a resource is there', 'session:<app>/<id>/<session>+<key>'],
  ['delete', 'delete a resource', 'session:<app>/<id>/<session>+<key>'],
  ['ls', "list a session's keys, or a proxy's sessions with their visits", 'session:<app>/<id>[/<session>]'],
];

/** `stead session new|get|put|exists|delete|ls`: the session address space (DESIGN §6). */
export function defineSession(program: Command): void {
  const session = program.command('session').description('use the session address space session:<app>/<id>/<session>+<key> of a running broker');
  for (const [verb, description, address] of VERBS) {
    const command = session
      .command(verb)
      .description(description)
      .argument('<address>', address)
      .option('--broker <url>', 'broker URL', DEFAULT_BROKER_URL)
      .option('--root <root>', 'topic root', DEFAULT_ROOT)
      .option('--deadline <ms>', 'give up after this many milliseconds', parsePositive, DEFAULT_COMMAND_DEADLINE_MS)
      .option('--key <file>', 'device key file that signs the CONNECT (default $STEAD_KEY)')
      .option('--audience <name>', "the broker's audience name (default stead)")
      .addHelpText('after', SESSION_EXIT_HELP);
    if (verb === 'get') {
      command
        .option('--journal <dir>', 'folder of the journal of unanswered gets (as stead call)')
        .option('--new', 'abandon a journalled get of this address (an earlier run sent it) and send a new one');
    }
    if (verb === 'put') {
      command
        .argument('<json>', 'the value, as JSON (bytes as {"$base64": …})')
        .option('--ttl <ms>', 'the resource expires this many milliseconds after the write', parsePositive)
        .option('--once', 'the get that returns the value deletes it')
        .action((target: string, json: string, flags: SessionFlags) => runSession(verb, target, json, flags));
    } else {
      command.action((target: string, flags: SessionFlags) => runSession(verb, target, undefined, flags));
    }
  }
}

async function runSession(verb: SessionVerb, address: string, json: string | undefined, flags: SessionFlags): Promise<void> {
  const options: SessionCommandOptions = {
    broker: flags.broker,
    root: flags.root,
    verb,
    address,
    deadlineMs: flags.deadline,
    journalDir: flags.journal,
    fresh: flags.new === true,
    ...keyOptions(flags),
  };
  if (json !== undefined) {
    const value = parseJson(json);
    if (value === undefined) return printError(new SteadError('BAD_OPTIONS', `the value must be JSON, got ${json}`), SESSION_EXIT_CODES.refused);
    Object.assign(options, { value, ttlMs: flags.ttl, once: flags.once === true });
  }
  // Loaded here, not at the top: `stead --help` and `stead broker` never pay for the device side.
  const { sessionCommand } = await import('../device/index.js');
  const result = await sessionCommand(options);
  report(verb, result);
  process.exitCode = SESSION_EXIT_CODES[result.status];
}

function report(verb: SessionVerb, result: SessionCommandResult): void {
  switch (result.status) {
    case 'ok':
      // A new session's address prints as is, for scripts: `s=$(stead session new …)`.
      if (verb === 'new') return void process.stdout.write(`${String(result.value)}\n`);
      if (verb === 'put') return;
      return void process.stdout.write(`${JSON.stringify(result.value, jsonReplacer, 2) ?? 'null'}\n`);
    case 'absent':
      if (verb === 'exists' || verb === 'delete') process.stdout.write('false\n');
      return;
    case 'unknown':
      process.stderr.write(`${errorLine(result.error)}\n`);
      if (verb !== 'get' && verb !== 'exists' && verb !== 'ls') process.stderr.write('Running the same command again is safe for put and delete; check with get or exists.\n');
      return;
    case 'failed':
      process.stderr.write(`${result.error.code}: ${result.error.message}\n`);
      if (result.journal) {
        process.stderr.write(
          'This answered a get an earlier run had sent; its own answer may still be kept by the proxy (the value it may have consumed).\n' +
            `The journal keeps it: the same command again sends it again; --new abandons it.\njournal: ${result.journal}\n`,
        );
      }
      return;
    default:
      process.stderr.write(`${errorLine(result.error)}\n`);
  }
}

/** JSON, with `{"$base64": …}` read as bytes (as the output writes them); undefined if not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const keys = Object.keys(value);
        const base64 = (value as { $base64?: unknown }).$base64;
        if (keys.length === 1 && typeof base64 === 'string') return new Uint8Array(Buffer.from(base64, 'base64'));
      }
      return value;
    }) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Byte strings print as base64 (JSON has no bytes); big integers as strings. The holder's own
 * property is read: a Buffer's toJSON has already run on `value`.
 */
function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return { $base64: Buffer.from(raw).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
