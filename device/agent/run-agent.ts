import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isBundleNotification } from '../../shared/bundle.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import { systemRandom } from '../../shared/random.js';
import { importUserModule } from '../../shared/user-module.js';
import { BundleExecutor, LinuxGpio, configurePins, type Gpio } from '../../hardware/index.js';
import { Backoff } from '../backoff.js';
import { Device } from '../device.js';
import { fileCursor } from '../disk/file-cursor.js';
import { readKeyFile } from '../identity/key-file.js';
import type { DeviceSession } from '../session/device-session.js';
import type { DeviceKey } from '../../shared/identity/key-pair.js';
import type { BeginResult } from '../session/types.js';
import { checkAgentConfig, type AgentConfig } from './agent-config.js';
import { parseGadget, type GadgetDefinition, type GadgetIo } from './gadget.js';
import { RecordedGpio } from './recorded-gpio.js';
import { ReportSender } from './report-sender.js';
import { systemdNotifier } from './systemd-notify.js';

export type AgentLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface RunAgentOptions {
  /** Where log lines go (default: one JSON line each on stderr). */
  log?: AgentLog;
  /** The environment systemd's variables are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A running agent: `stop()` is the graceful shutdown SIGTERM triggers. */
export interface RunningAgent {
  readonly device: Device;
  readonly session: DeviceSession;
  readonly gpio: Gpio;
  /** Resolves after the first begin was answered (the agent keeps trying until then). */
  readonly begun: Promise<BeginResult>;
  stop(): Promise<void>;
}

const AGENT = 'stead-agent/1';

/**
 * The device agent (DESIGN §9, docs/agent.md): configures the gadget's pins, opens its bundle
 * journal, connects (reconnecting forever with backoff and jitter), begins its session and hands
 * the memento to the gadget, runs bundles from notifications and reports each once, tells
 * systemd it is alive, and on stop drives outputs to their safe values.
 */
export async function runAgent(given: AgentConfig, options: RunAgentOptions = {}): Promise<RunningAgent> {
  const config = checkAgentConfig(given);
  const log = options.log ?? jsonLog;
  const gadget = typeof config.gadget === 'string' ? await importGadget(config.gadget) : parseGadget(config.gadget);
  const key = readKeyFile(config.key);
  if (key.device !== config.device) throw new SteadError('BAD_KEY', `the key file ${config.key} is device ${key.device}'s, not ${config.device}'s`);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const gpio = openGpio(config, log);
  try {
    // Every pin is checked before any is touched (resolvePins): a typo never half-configures a board.
    await configurePins(gpio, config.pins ?? gadget.pins ?? {});
    return await start(config, gadget, key, gpio, log, options);
  } catch (error) {
    await gpio.close().catch(() => {});
    throw error;
  }
}

async function start(config: AgentConfig, gadget: GadgetDefinition, key: DeviceKey, gpio: Gpio, log: AgentLog, options: RunAgentOptions): Promise<RunningAgent> {
  const notifier = systemdNotifier(options.env ?? process.env, (error) => log('warn', 'systemd-notify failed', { error: error.message }));
  const device = new Device({ url: config.broker, key, audience: config.audience, reconnect: config.reconnect, agent: AGENT });
  const sessionName = gadget.session ?? 'gadget';
  const session = device.session(config.proxy ?? `${gadget.app}/${config.device}`, sessionName, {
    notifications: { cursor: fileCursor(join(config.dataDir, `notifications-${sessionName}.json`)) },
  });
  const io: GadgetIo = {
    device: config.device,
    pins: gpio,
    dataDir: config.dataDir,
    call: (method, ...args) => session.call(method, ...args),
    log: (message, fields) => log('info', message, fields),
  };
  device.on('connect', () => log('info', 'connected', { broker: config.broker }));
  device.on('disconnect', () => log('warn', 'disconnected; reconnecting', { broker: config.broker }));
  device.on('refused', (error) => log('error', 'the broker refused the key', { code: error.code }));
  device.on('error', () => {});
  session.onError((error) => log('warn', 'session error', describe(error)));

  // Reports wait until the session has begun (start()): the first begin is the agent's own.
  const sender = new ReportSender(session, (id) => executor.acknowledge(id), (error, report) => log('warn', 'bundle report not delivered yet', { bundle: report.id, ...describe(error) }));
  let executor: BundleExecutor;
  try {
    executor = await BundleExecutor.open({
      dataDir: config.dataDir,
      lateToleranceMs: config.lateToleranceMs,
      run: (method, args) => runCommand(gadget, method, args, io),
      // Reports given while opening are the unacknowledged ones from before a crash: sent again.
      onReport: (report) => sender.push(report),
      onError: (error) => log('error', 'bundle journal', describe(error)),
    });
  } catch (error) {
    await device.close();
    throw error;
  }
  notifier.ready();
  log('info', 'agent started', { node: process.version, device: config.device, proxy: session.proxy, session: sessionName, gpio: config.gpio?.backend ?? 'linux' });

  let stopped = false;
  const begun = beginUntilAnswered(session, () => stopped, log).then(async (result) => {
    log('info', 'session begun', { crashed: result.crashed });
    // The gadget's hook failing must not leave the agent deaf to its bundles.
    await Promise.resolve(gadget.onBegin?.(result, io)).catch((error: unknown) => log('error', 'onBegin failed', describe(error)));
    session.onNotify(async (payload) => {
      if (!isBundleNotification(payload)) return gadget.onNotification?.(payload, io);
      try {
        await executor.receive(payload.bundle);
      } catch (error) {
        // A late or bad bundle is the proxy's news (a late one is reported), not the agent's end.
        log('warn', 'bundle refused', describe(error));
      }
    });
    sender.start();
    return result;
  });
  begun.catch(() => {});

  return {
    device,
    session,
    gpio,
    begun,
    async stop() {
      if (stopped) return;
      stopped = true;
      notifier.stopping();
      notifier.close();
      sender.close();
      await executor.close();
      // A graceful end: the next begin answers crashed: false. Only if the broker is there now.
      if (device.connected && session.nonce) await withTimeout(session.end(), 2000).catch(() => {});
      await gpio.close();
      await device.close();
      log('info', 'agent stopped; outputs at their safe values');
    },
  };
}

function openGpio(config: AgentConfig, log: AgentLog): Gpio {
  const gpio = config.gpio ?? { backend: 'linux' };
  if (gpio.backend === 'simulated') return new RecordedGpio(join(config.dataDir, 'gpio-history.jsonl'));
  return new LinuxGpio({ root: gpio.root, pollMs: gpio.pollMs, onError: (error) => log('warn', 'gpio', describe(error)) });
}

/**
 * Loads a gadget module (TypeScript through tsx, and only then): its default export, else the
 * first named export that names an `app` (the rule of shared/user-module.ts), checked.
 */
async function importGadget(path: string): Promise<GadgetDefinition> {
  const exported = await importUserModule(path);
  const gadget = exported.find((value) => typeof value === 'object' && value !== null && 'app' in value);
  return parseGadget(gadget ?? exported[0]);
}

function runCommand(gadget: GadgetDefinition, method: string, args: unknown[], io: GadgetIo): unknown {
  const command = Object.hasOwn(gadget.commands ?? {}, method) ? gadget.commands![method] : undefined;
  if (!command) throw new SteadError('UNKNOWN_METHOD', `the gadget has no command ${method}`);
  return command(args, io);
}

/** Begins the session, again and again with backoff while the broker cannot be reached. */
async function beginUntilAnswered(session: DeviceSession, stopped: () => boolean, log: AgentLog): Promise<BeginResult> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 }, systemRandom);
  for (;;) {
    try {
      return await session.begin({ agent: AGENT });
    } catch (error) {
      if (stopped()) throw error;
      log('warn', 'begin failed; trying again', describe(error));
      await new Promise((resolve) => setTimeout(resolve, backoff.next()).unref());
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new SteadError('DEADLINE', 'timed out')), ms).unref())]);
}

function describe(error: unknown): Record<string, unknown> {
  return isSteadError(error) ? { code: error.code, error: error.message } : { error: (error as Error)?.message ?? String(error) };
}

function jsonLog(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}
