import { execFile } from 'node:child_process';

export interface SystemdNotifier {
  /** READY=1: the agent is up (pins configured, journal open); systemd's start job is done. */
  ready(): void;
  stopping(): void;
  /** Stops the watchdog pings. */
  close(): void;
}

const NOOP: SystemdNotifier = { ready() {}, stopping() {}, close() {} };

/**
 * `Type=notify` with a watchdog (DESIGN §9): READY=1 once up, then WATCHDOG=1 every
 * half of `WATCHDOG_USEC`. `$NOTIFY_SOCKET` is a unix datagram socket, which Node cannot send on
 * without a native addon (the agent is pure JavaScript), so the messages go through
 * `systemd-notify`, which every systemd system ships; it is a child process, hence
 * `NotifyAccess=all` in the unit. The pings come from a timer on the event loop: a blocked loop
 * sends none, and systemd kills and restarts the agent (`Restart=always`).
 * Outside systemd (no `NOTIFY_SOCKET`) this does nothing.
 */
export function systemdNotifier(env: NodeJS.ProcessEnv = process.env, onError: (error: Error) => void = () => {}): SystemdNotifier {
  if (!env.NOTIFY_SOCKET) return NOOP;
  // `--pid`: a privileged systemd-notify sends as the agent's PID. Else systemd finds the sender's
  // unit from its PID, and a systemd-notify that already exited is found in none: the message is
  // dropped (systemd issue #2737), which a watchdog ping must not be.
  const send = (...args: string[]): void => {
    execFile('systemd-notify', [`--pid=${process.pid}`, ...args], { env }, (error) => {
      if (error) onError(error);
    });
  };
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process systemd watches; another process's variable is not ours.
  const ours = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  let timer: NodeJS.Timeout | null = null;
  return {
    ready() {
      send('--ready');
      if (timer || !ours || !Number.isFinite(watchdogUsec) || watchdogUsec <= 0) return;
      timer = setInterval(() => send('WATCHDOG=1'), Math.max(1, Math.floor(watchdogUsec / 2000)));
    },
    stopping() {
      send('STOPPING=1');
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
