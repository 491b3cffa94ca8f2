import { SteadError, isSteadError } from '../../shared/errors.js';
import { loadAgentConfig } from './agent-config.js';
import type { GadgetDefinition } from './gadget.js';
import { runAgent } from './run-agent.js';

/**
 * The agent as a process: `stead device --config <file>`, and the flashed agent file
 * (`node agent.mjs --config agent.json`, whose gadget is built in). Runs until SIGTERM or
 * SIGINT, then stops gracefully (outputs to their safe values) and exits 0; a bad config or key
 * exits 1 with `STEAD_E_…` on stderr (systemd restarts it, and the journal shows why).
 */
export async function agentMain(configFile: string, builtIn?: GadgetDefinition): Promise<void> {
  let agent;
  try {
    agent = await runAgent(loadAgentConfig(configFile, builtIn));
  } catch (error) {
    process.stderr.write(`${isSteadError(error) ? error.code : 'error'}: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const running = agent;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** `--config <file>` from an argv (the flashed agent has no commander: one flag). */
export function configArgument(argv: readonly string[]): string {
  const at = argv.indexOf('--config');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (!file) throw new SteadError('BAD_OPTIONS', 'usage: node agent.mjs --config <agent.json>');
  return file;
}
