import type { Command } from 'commander';
import type { SimFaults, SimulateOptions } from '../device/sim/index.js';
import { DEFAULT_BROKER_URL, DEFAULT_ROOT } from '../shared/defaults.js';
import { SIMULATE_EXIT_CODES, SIMULATE_EXIT_HELP } from './exit-codes.js';
import { keyOptions, parseDelay, parseNonNegative, parsePositive, parseProbability, parseWhole } from './options.js';
import { createSimulateDisplay } from './simulate-display.js';
import { printError } from './errors.js';

interface SimulateFlags {
  devices: number;
  scenario: string;
  broker: string;
  root: string;
  steps: number;
  duration?: number;
  seed?: number;
  connectBatch: number;
  drop: number;
  duplicate: number;
  delay?: [number, number];
  cuts: number;
  restart: number;
  retry: number;
  key?: string;
  audience?: string;
}

/** `stead simulate`: runs `simulateDevices` with a scenario module; exits non-zero when an invariant failed. */
export function defineSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run N simulated gadgets through a scenario, with faults; live progress, then a summary')
    .requiredOption('--devices <n>', 'simulated devices', parseWhole)
    .requiredOption('--scenario <module>', 'scenario module: .ts, .mts, .js, .mjs (docs/simulate.md)')
    .option('--broker <url>', 'broker URL', DEFAULT_BROKER_URL)
    .option('--root <root>', 'topic root', DEFAULT_ROOT)
    .option('--key <file>', 'key file every simulated device signs its CONNECT with (default $STEAD_KEY); client ids become <device>/<sim id>')
    .option('--audience <name>', "the broker's audience name (default stead)")
    .option('--steps <n>', 'steps per device', parseWhole, 10)
    .option('--duration <s>', 'start no new step after this many seconds', parsePositive)
    .option('--seed <n>', 'seed of every fault and scenario choice (replays a run)', parseWhole)
    .option('--connect-batch <n>', 'devices connecting at once', parseWhole, 100)
    .option('--drop <p>', 'probability that a PUBLISH is dropped (either way)', parseProbability, 0)
    .option('--duplicate <p>', 'probability that a PUBLISH is sent twice', parseProbability, 0)
    .option('--delay <ms>', 'delay of every packet: <ms> or <min>-<max>', parseDelay)
    .option('--cuts <per-s>', 'connection cuts per device per second', parseNonNegative, 0)
    .option('--restart <p>', 'probability that a device crashes during a step and restarts', parseProbability, 0)
    .option('--retry <ms>', 'resend an unanswered request after this long', parsePositive, 1000)
    .addHelpText('after', SIMULATE_EXIT_HELP)
    .action(runSimulate);
}

async function runSimulate(flags: SimulateFlags): Promise<void> {
  // Loaded here, not at the top: other subcommands never pay for the simulator.
  const [{ loadScenario, simulateDevices }, { readKeyFile }] = await Promise.all([import('../device/sim/index.js'), import('../device/index.js')]);
  const display = createSimulateDisplay(process.stdout);
  let result;
  try {
    const scenario = await loadScenario(flags.scenario);
    // DESIGN §7: a broker with keys (every `stead broker`) refuses unsigned CONNECTs.
    const { key: keyFile, audience } = keyOptions(flags);
    const signing = keyFile ? { key: readKeyFile(keyFile), ...(audience ? { audience } : {}) } : {};
    const base = options(flags);
    result = await simulateDevices({ ...base, device: { ...base.device, ...signing }, scenario, onProgress: display.progress });
  } catch (error) {
    printError(error, SIMULATE_EXIT_CODES.refused);
    return;
  }
  display.result(result);
  // A failed invariant outranks devices that never connected; those outrank the other problems.
  if (result.invariants.some((invariant) => !invariant.ok)) process.exitCode = SIMULATE_EXIT_CODES.invariantFailed;
  else if (result.started < result.devices) process.exitCode = SIMULATE_EXIT_CODES.unconnected;
  else if (!result.ok) process.exitCode = SIMULATE_EXIT_CODES.invariantFailed;
}

function options(flags: SimulateFlags): Omit<SimulateOptions, 'scenario'> {
  const faults: SimFaults = { drop: flags.drop, duplicate: flags.duplicate, cutsPerSecond: flags.cuts, restart: flags.restart };
  if (flags.delay) faults.delayMs = flags.delay;
  // No fault flag: the scenario's own faults, if it declares any.
  const given = flags.drop > 0 || flags.duplicate > 0 || flags.cuts > 0 || flags.restart > 0 || flags.delay !== undefined;
  return {
    broker: flags.broker,
    devices: flags.devices,
    steps: flags.steps,
    durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
    seed: flags.seed,
    connectBatch: flags.connectBatch,
    faults: given ? faults : undefined,
    device: { root: flags.root, session: { retryMs: flags.retry } },
  };
}
