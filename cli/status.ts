import type { Command } from 'commander';
import type { StatusReport } from '../broker/index.js';
import { adminOptions, adminToken, table, type AdminFlags } from './admin-options.js';
import { printError } from './errors.js';

/** `stead status`: the live system at a glance (issue 10), over the broker's admin API. */
export function defineStatus(program: Command): void {
  adminOptions(program.command('status').description('show the live broker: uptime, connections, proxies, commits/s, p99, errors, store')).action(runStatus);
}

async function runStatus(flags: AdminFlags): Promise<void> {
  const { brokerStatus } = await import('../broker/index.js');
  try {
    const status = await brokerStatus({ broker: flags.broker, token: adminToken(flags) });
    process.stdout.write(`${flags.json ? JSON.stringify(status, null, 2) : statusTable(status)}\n`);
  } catch (error) {
    printError(error);
  }
}

export function statusTable(s: StatusReport): string {
  const errors = Object.entries(s.errors).map(([code, n]) => `${code.slice('STEAD_E_'.length)} ${n}`);
  const dropped = Object.entries(s.dropped).map(([reason, n]) => `${reason} ${n}`);
  return table([
    ['uptime', duration(s.uptimeSeconds)],
    ['mqtt', s.mqtt],
    ['connections', String(s.connections)],
    ['proxies', `${s.proxiesLive} live, ${s.proxiesLoaded} loaded`],
    ['sessions', String(s.sessions)],
    ['timers pending', String(s.timersPending)],
    ['calls', `${s.callsTotal} total, ${s.callsPerSecond.toFixed(1)}/s (last minute)`],
    ['call p99', s.p99Seconds === null ? '—' : `${(s.p99Seconds * 1000).toFixed(1)} ms`],
    ['commits', `${s.commitsPerSecond.toFixed(1)}/s`],
    ['output gate', `${s.gateBacklog} commits waiting`],
    ['errors', errors.length ? errors.join(', ') : 'none'],
    ['dropped frames', dropped.length ? dropped.join(', ') : 'none'],
    ['store', `${s.store.url} ${s.store.healthy ? 'healthy' : 'UNHEALTHY'}, ${s.store.pendingWrites} pending, last commit ${s.store.lastCommitAt ? new Date(s.store.lastCommitAt).toISOString() : 'never'}`],
  ]);
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${seconds % 60}s` : `${seconds}s`;
}
