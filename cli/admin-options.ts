import type { Command } from 'commander';

export interface AdminFlags {
  broker: string;
  token?: string;
  json?: boolean;
}

/** The options every admin subcommand shares: where the broker's HTTP listener is, and the token. */
export function adminOptions(command: Command): Command {
  return command
    .option('--broker <url>', "the broker's HTTP listener (stead broker --http)", 'http://127.0.0.1:9464')
    .option('--token <token>', 'admin token (default: $STEAD_ADMIN_TOKEN)')
    .option('--json', 'print JSON instead of a table');
}

export function adminToken(flags: AdminFlags): string {
  return flags.token ?? process.env.STEAD_ADMIN_TOKEN ?? '';
}

/** Two aligned columns. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}
