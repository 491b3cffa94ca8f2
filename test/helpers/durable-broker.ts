import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBroker, type BrokerProcess } from './processes.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * A `stead broker` child process on a SQLite file in a fresh temp dir, behind a TCP proxy, so
 * devices keep one URL while the broker is killed with SIGKILL and restarted on the same file.
 */
export interface DurableBroker {
  /** The proxy's URL: stays the same across restarts. */
  readonly url: string;
  /** The SQLite file the broker runs on. */
  readonly file: string;
  readonly tcp: TcpProxy;
  /** The broker process running now (replaced by each `start`). */
  readonly process: BrokerProcess;
  /** How many times the broker has been started. */
  readonly starts: number;
  /** kill -9: no drain, no flush, no goodbye to the devices. */
  kill(): Promise<void>;
  /** Starts a broker on the same file and sends new connections to it. */
  start(): Promise<void>;
  /** kill -9, then start again. */
  crash(): Promise<void>;
  /** Kills the broker, closes the proxy and removes the temp dir. */
  close(): Promise<void>;
}

/** `apps` are module paths for `--app`, relative to the repository root (the test's cwd). */
export async function startDurableBroker(apps: readonly string[], extraArgs: readonly string[] = []): Promise<DurableBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'stead-crash-'));
  const file = join(dir, 'stead.db');
  const args = ['--store', `sqlite:${file}`, ...apps.flatMap((app) => ['--app', app]), ...extraArgs];
  let current = await spawnBroker(args).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  let starts = 1;
  let alive = true;
  const tcp = await startTcpProxy(current.port);
  const kill = async (): Promise<void> => {
    if (!alive) return;
    alive = false;
    await current.kill();
  };
  const start = async (): Promise<void> => {
    current = await spawnBroker(args);
    alive = true;
    starts++;
    tcp.retarget(current.port);
  };
  return {
    url: tcp.url,
    file,
    tcp,
    get process() {
      return current;
    },
    get starts() {
      return starts;
    },
    kill,
    start,
    crash: async () => {
      await kill();
      await start();
    },
    close: async () => {
      await kill();
      await tcp.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
