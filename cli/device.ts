import type { Command } from 'commander';

/**
 * `stead device --config <file>`: runs the device agent (DESIGN §9, docs/agent.md) with the
 * gadget module the config names, until SIGTERM. The work is `runAgent` in device/agent.
 */
export function defineDevice(program: Command): void {
  program
    .command('device')
    .description('run the device agent: a gadget module, its pins, its session and bundles (see docs/agent.md)')
    .requiredOption('--config <file>', 'agent config (JSON): device, broker, key, dataDir, gadget, gpio, pins')
    .action(async (flags: { config: string }) => {
      const { agentMain } = await import('../device/agent/index.js');
      await agentMain(flags.config);
    });
}
