import { SteadError, isSteadError } from '../../shared/errors.js';
import { connectDevice } from '../device.js';

export interface CallCommandOptions {
  proxy: string;
  session: string;
  method: string;
  /** JSON array of arguments. */
  args: string;
  broker: string;
  root: string;
  deadline: number;
}

/**
 * `stead call`: begin, call, end; prints the reply as JSON on stdout. Returns the exit code:
 * 0 on success, 1 with `STEAD_E_…: message` on stderr otherwise.
 */
export async function runCallCommand(options: CallCommandOptions): Promise<number> {
  let device;
  try {
    const args = parseArgs(options.args);
    device = await connectDevice({ url: options.broker, root: options.root, connectTimeoutMs: options.deadline, agent: 'stead-cli' });
    const session = device.session(options.proxy, options.session, { deadlineMs: options.deadline, autoBegin: false });
    await session.begin({ agent: 'stead-cli' });
    const reply = await session.invoke(options.method, args);
    await session.end();
    process.stdout.write(`${JSON.stringify(reply, jsonReplacer, 2) ?? 'null'}\n`);
    return 0;
  } catch (error) {
    const steadError = isSteadError(error) ? error : new SteadError('BAD_OPTIONS', String((error as Error).message ?? error));
    process.stderr.write(`${steadError.code}: ${steadError.message}\n`);
    return 1;
  } finally {
    await device?.close();
  }
}

function parseArgs(text: string): unknown[] {
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch {
    throw new SteadError('BAD_OPTIONS', `arguments must be a JSON array, got ${text}`);
  }
  if (!Array.isArray(args)) throw new SteadError('BAD_OPTIONS', 'arguments must be a JSON array');
  return args;
}

/** Byte strings print as base64 (JSON has no bytes). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
