import type { SimProgress, SimResult } from '../device/sim/index.js';

export interface SimulateDisplay {
  progress(progress: SimProgress): void;
  result(result: SimResult): void;
}

/**
 * On a terminal: one status line rewritten in place (carriage return, erase line), then a summary
 * table. No library: a single line needs no diffing of a multi-line frame, which is what
 * log-update and its six dependencies are for. Elsewhere (a pipe, a CI log): JSON lines.
 */
export function createSimulateDisplay(out: NodeJS.WriteStream): SimulateDisplay {
  if (!out.isTTY) {
    return {
      progress: (progress) => void out.write(`${JSON.stringify({ type: 'progress', ...progress })}\n`),
      result: (result) => void out.write(`${JSON.stringify({ type: 'result', ...result })}\n`),
    };
  }
  return {
    progress: (progress) => void out.write(`\r\x1b[K${statusLine(progress)}`),
    result: (result) => void out.write(`\r\x1b[K${summary(result)}\n`),
  };
}

function statusLine(p: SimProgress): string {
  return [
    `${seconds(p.elapsedMs)}`,
    `connected ${p.connected}`,
    `done ${p.finished}`,
    `${p.callsPerSecond} calls/s`,
    `p50 ${p.p50Ms} ms`,
    `p99 ${p.p99Ms} ms`,
    `errors ${errorCount(p.errors)}`,
    `restarts ${p.restarts}`,
    `simulator CPU ${p.cpuPercent}%`,
  ].join(' │ ');
}

/** The summary: the run's figures as a two-column table, then each invariant. */
export function summary(r: SimResult): string {
  const rows: [string, string][] = [
    ['scenario', `${r.scenario} (run ${r.runId}, seed ${r.seed})`],
    ['devices', `${r.started} of ${r.devices} connected, ${r.finished} done`],
    ['connect time', r.connectMs === null ? 'some devices never connected' : `${r.connectMs} ms`],
    ['duration', seconds(r.elapsedMs)],
    ['calls', `${r.calls} (${r.callsPerSecond}/s)`],
    ['latency', `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`],
    ['errors', errorList(r.errors)],
    ['restarts', String(r.restarts)],
    ['simulator CPU', `${r.cpuPercent}% of one core${r.cpuPercent >= 90 ? ' (saturated: latency is the simulator’s, not the broker’s)' : ''}`],
  ];
  if (r.faults) {
    const f = r.faults;
    rows.push(['faults', `${f.dropped} dropped, ${f.duplicated} duplicated, ${f.delayed} delayed, ${f.cuts} cuts, ${f.connections} connections`]);
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  const invariants = r.invariants.map((i) => `${i.ok ? '✓' : '✗'} ${i.name}${i.detail ? `: ${i.detail}` : ''}`);
  if (invariants.length === 0) invariants.push('(the scenario declares no invariants)');
  return [...lines, '', 'invariants', ...invariants, '', r.ok ? 'ok' : ['FAILED:', ...r.problems.map((problem) => `  ${problem}`)].join('\n')].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function errorCount(errors: Record<string, number>): number {
  return Object.values(errors).reduce((sum, n) => sum + n, 0);
}

function errorList(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code} ${n}`).join(', ');
}
