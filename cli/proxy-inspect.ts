import type { Command } from 'commander';
import type { ProxyView } from '../broker/index.js';
import { adminOptions, adminToken, table, type AdminFlags } from './admin-options.js';
import { printError } from './errors.js';

/** `stead proxy inspect <app>/<id>`: a proxy's sessions, queues and timers (issue 10). */
export function defineProxyInspect(program: Command): void {
  const proxy = program.command('proxy').description('look into one proxy');
  adminOptions(
    proxy
      .command('inspect')
      .description('sessions (nonce as a fingerprint), last seq, reply cache, queues, timers, last commit; live or from the store')
      .argument('<proxy>', 'proxy address <app>/<id>'),
  ).action(runInspect);
}

async function runInspect(address: string, flags: AdminFlags): Promise<void> {
  const { inspectProxy } = await import('../broker/index.js');
  try {
    const view = await inspectProxy({ broker: flags.broker, token: adminToken(flags), proxy: address });
    process.stdout.write(`${flags.json ? JSON.stringify(view, null, 2) : inspectTable(view)}\n`);
  } catch (error) {
    printError(error);
  }
}

export function inspectTable(v: ProxyView): string {
  const live = v.source === 'live' ? `inbox ${v.inbox}, held ${v.held}, output gate ${v.gateBacklog}` : 'not live (read from the store)';
  const head = table([
    ['proxy', `${v.key} (version ${v.version}, ${v.source})`],
    ['runtime', live],
    ['state', `${v.stateBytes} bytes`],
    ['timers', v.timers.length ? v.timers.map((t) => `${t.method} at ${new Date(t.at).toISOString()}`).join(', ') : 'none'],
    ['last commit', v.lastCommitAt ? new Date(v.lastCommitAt).toISOString() : '—'],
  ]);
  const columns = ['session', 'nonce', 'last seq', 'replies', 'queued', 'limit', 'dropped'];
  const rows = v.sessions.map((s) => [s.name, s.nonce ?? '—', String(s.lastSeq), String(s.replyCache), String(s.queueDepth), String(s.queueLimit), String(s.dropped)]);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [head, '', line(columns), ...rows.map(line)].join('\n');
}
