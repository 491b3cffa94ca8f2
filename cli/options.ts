import { InvalidArgumentError } from 'commander';

/** Option parsers shared by the subcommands; commander reports their errors as usage errors. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is 0..65535');
  return port;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}

export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** DESIGN §7: a broker with keys refuses a CONNECT without one; `--key` or `$STEAD_KEY` names the file. */
export function keyOptions(flags: { key?: string; audience?: string }): { key?: string; audience?: string } {
  const key = flags.key ?? process.env.STEAD_KEY;
  return { ...(key ? { key } : {}), ...(flags.audience ? { audience: flags.audience } : {}) };
}
