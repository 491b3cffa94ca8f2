import type { Command } from 'commander';
import type { CallOutcome } from '../device/index.js';
import { DEFAULT_BROKER_URL, DEFAULT_COMMAND_DEADLINE_MS, DEFAULT_ROOT } from '../shared/defaults.js';
import { SteadError } from '../shared/errors.js';
import { errorLine, printError } from './errors.js';
import { CALL_EXIT_CODES, CALL_EXIT_HELP } from './exit-codes.js';
import { parsePositive, keyOptions } from './options.js';

interface CallFlags {
  broker: string;
  root: string;
  deadline: number;
  journal?: string;
  new?: boolean;
  key?: string;
  audience?: string;
}

/** `stead call`: one call, exactly once across reruns (issue 6, hole 8); prints the reply as JSON. */
export function defineCall(program: Command): void {
  program
    .command('call')
    .description('call a proxy method exactly once (begin, call, end) and print the reply as JSON')
    .argument('<proxy>', 'proxy address <app>/<id>, e.g. toaster/shop-1')
    .argument('<session>', 'logical session name, e.g. cli')
    .argument('<method>', 'method name')
    .argument('[args]', 'JSON array of arguments', '[]')
    .option('--broker <url>', 'broker URL', DEFAULT_BROKER_URL)
    .option('--root <root>', 'topic root', DEFAULT_ROOT)
    .option('--deadline <ms>', 'give up on each step after this many milliseconds', parsePositive, DEFAULT_COMMAND_DEADLINE_MS)
    .option('--journal <dir>', 'folder of the call journal')
    .option('--key <file>', 'device key file that signs the CONNECT (default $STEAD_KEY)')
    .option('--audience <name>', "the broker's audience name (default stead)")
    .option('--new', 'abandon an unresolved journalled call of this session and make a new one')
    .addHelpText('after', CALL_EXIT_HELP)
    .action(runCall);
}

async function runCall(proxy: string, session: string, method: string, argsJson: string, flags: CallFlags): Promise<void> {
  const args = parseArgs(argsJson);
  if (!args) return printError(new SteadError('BAD_OPTIONS', `arguments must be a JSON array, got ${argsJson}`), CALL_EXIT_CODES.refused);
  // Loaded here, not at the top: `stead --help` and `stead broker` never pay for the device side.
  const { callOnce } = await import('../device/index.js');
  const outcome = await callOnce({
    broker: flags.broker,
    root: flags.root,
    proxy,
    session,
    method,
    args,
    deadlineMs: flags.deadline,
    journalDir: flags.journal,
    fresh: flags.new === true,
    ...keyOptions(flags),
  });
  report(outcome);
  process.exitCode = CALL_EXIT_CODES[outcome.status];
}

function report(outcome: CallOutcome): void {
  switch (outcome.status) {
    case 'answered':
      process.stdout.write(`${JSON.stringify(outcome.value, jsonReplacer, 2) ?? 'null'}\n`);
      return notes(outcome.resumed, outcome.warning);
    case 'failed':
      lines(errorLine(outcome.error));
      return notes(outcome.resumed, outcome.warning);
    case 'unknown':
      return lines(
        errorLine(outcome.error),
        'Run the same command again to learn its outcome: it resends the same call (same instance and seq),',
        'which the proxy answers from its reply cache and never runs twice. --new abandons it.',
        `journal: ${outcome.journal}`,
      );
    case 'lost':
      return lines(
        errorLine(outcome.error),
        "Check the proxy's state to learn whether it ran; --new makes a new call.",
        `journal: ${outcome.journal}`,
      );
    case 'refused':
      if (outcome.error.code === 'STEAD_E_CALL_PENDING') {
        return lines(errorLine(outcome.error), 'Run that command again to learn its outcome, or pass --new to abandon it.');
      }
      if (outcome.error.code === 'STEAD_E_CALL_UNRESOLVED') {
        const { memento } = (outcome.error.data ?? {}) as { memento?: unknown };
        return lines(
          `${outcome.error.code}: ${outcome.error.message}`,
          `memento: ${JSON.stringify(memento ?? null, jsonReplacer)}`,
          'An earlier call of this session may be unresolved. Run it again where its journal is (same --journal,',
          "or same HOME and STEAD_STATE_DIR) to learn its outcome, or check the proxy's state; --new makes this call anyway.",
        );
      }
      if (outcome.error.code === 'STEAD_E_CALL_IN_PROGRESS') {
        return lines(errorLine(outcome.error), 'Nothing was sent. Wait for it to finish (or stop it), then run your command again.');
      }
      return lines(errorLine(outcome.error));
    case 'unsent':
      return lines(errorLine(outcome.error), 'Nothing was sent: the method did not run.');
  }
}

function notes(resumed: boolean, warning: { code: string; message: string } | null): void {
  if (resumed) lines('note: this is the answer of the call journalled by an earlier run (same instance and seq): it ran once.');
  if (!warning) return;
  lines(
    `warning: ${warning.code}: ${warning.message}`,
    'The answer stands, and stays journalled until the end is confirmed: the same command prints it again',
    'and retries the end; --new makes a new call.',
  );
}

function lines(...text: string[]): void {
  process.stderr.write(`${text.join('\n')}\n`);
}

function parseArgs(text: string): unknown[] | null {
  try {
    const args: unknown = JSON.parse(text);
    return Array.isArray(args) ? args : null;
  } catch {
    return null;
  }
}

/** Byte strings print as base64 (JSON has no bytes); big integers as strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
