import { encodeDeviceKey, type DeviceKey } from '../../shared/identity/key-pair.js';
import type { AgentConfig, GpioBackendConfig } from '../agent/agent-config.js';

/** Where a flash puts things, inside the target's root (a mounted root folder or a host over ssh). */
export const AGENT_DIR = 'opt/stead';
export const UNIT_PATH = 'etc/systemd/system/stead-agent.service';

/** One file of a flash: its path inside the target root, its bytes and its mode. */
export interface FlashFile {
  path: string;
  data: Uint8Array;
  mode: number;
}

export interface FlashContents {
  device: string;
  broker: string;
  proxy?: string;
  audience?: string;
  gpio: GpioBackendConfig;
  key: DeviceKey;
  agent: Uint8Array;
  watchdogSec: number;
}

/**
 * The flashed agent's config (paths relative to its folder, so the folder runs wherever it is);
 * its gadget is built into the agent, so the file names none.
 */
export function flashedAgentConfig(contents: Pick<FlashContents, 'device' | 'broker' | 'proxy' | 'audience' | 'gpio'>): Omit<AgentConfig, 'gadget'> {
  return {
    device: contents.device,
    broker: contents.broker,
    key: `keys/${contents.device}.key`,
    dataDir: 'data',
    ...(contents.proxy ? { proxy: contents.proxy } : {}),
    ...(contents.audience ? { audience: contents.audience } : {}),
    gpio: contents.gpio,
  };
}

/** The files of a flashed gadget: the agent (one file), its config, its key (0600: the secret) and a systemd unit. */
export function flashFiles(contents: FlashContents): FlashFile[] {
  const config = flashedAgentConfig(contents);
  const text = (value: string): Uint8Array => new TextEncoder().encode(value);
  return [
    { path: `${AGENT_DIR}/agent.mjs`, data: contents.agent, mode: 0o644 },
    { path: `${AGENT_DIR}/agent.json`, data: text(`${JSON.stringify(config, null, 2)}\n`), mode: 0o644 },
    { path: `${AGENT_DIR}/keys/${contents.device}.key`, data: text(encodeDeviceKey(contents.key)), mode: 0o600 },
    { path: UNIT_PATH, data: text(systemdUnit(contents.device, contents.watchdogSec)), mode: 0o644 },
  ];
}

/**
 * `Type=notify` with a watchdog (DESIGN §9): the agent says READY=1 and pings WATCHDOG=1 at half
 * of WatchdogSec through `systemd-notify`, a child process, hence NotifyAccess=all. A blocked
 * event loop stops the pings; systemd then kills the agent and Restart=always starts it again.
 * SIGTERM (systemctl stop) drives the outputs to their safe values before the agent exits.
 */
export function systemdUnit(device: string, watchdogSec: number): string {
  return `[Unit]
Description=Stead device agent (${device})
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
NotifyAccess=all
WatchdogSec=${watchdogSec}
ExecStart=/usr/bin/node /${AGENT_DIR}/agent.mjs --config /${AGENT_DIR}/agent.json
WorkingDirectory=/${AGENT_DIR}
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=15

[Install]
WantedBy=multi-user.target
`;
}
