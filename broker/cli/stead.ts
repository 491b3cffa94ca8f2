/**
 * `stead`: the one front door (DESIGN §2). Each subcommand is a typed function too. This is the
 * only module of broker/ that reaches into device/, lazily, for the client-side subcommands.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runBrokerCommand } from './broker-command.js';

const program = new Command()
  .name('stead')
  .description('Stead: durable, exactly-once proxies for dumb gadgets, over MQTT')
  .showHelpAfterError();

program
  .command('broker')
  .description('run the broker with the given proxy apps')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, 1883)
  .option('--app <path>', 'proxy app module (repeatable)', collect, [] as string[])
  .option('--store <url>', 'session store: sqlite:<path> (durable) or memory:', 'sqlite:./data/stead.db')
  .option('--root <root>', 'topic root', 'stead')
  .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
  .action(runBrokerCommand);

program
  .command('call')
  .description('call a proxy method once (begin, call, end) and print the reply as JSON')
  .argument('<proxy>', 'proxy address <app>/<id>, e.g. toaster/shop-1')
  .argument('<session>', 'logical session name, e.g. cli')
  .argument('<method>', 'method name')
  .argument('[args]', 'JSON array of arguments', '[]')
  .option('--broker <url>', 'broker URL', 'mqtt://127.0.0.1:1883')
  .option('--root <root>', 'topic root', 'stead')
  .option('--deadline <ms>', 'give up after this many milliseconds', parsePositive, 10_000)
  .action(async (proxy: string, session: string, method: string, args: string, options: CallOptions) => {
    const { runCallCommand } = await import('../../device/cli/call-command.js');
    process.exitCode = await runCallCommand({ proxy, session, method, args, ...options });
  });

interface CallOptions {
  broker: string;
  root: string;
  deadline: number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is 0..65535');
  return port;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}

await program.parseAsync(process.argv);
