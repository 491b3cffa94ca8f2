import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { BundleExecutor, type BundleReport } from '../../../hardware/index.js';
import { JOURNAL_FILE } from '../../../hardware/bundles/bundle-journal.js';
import { SteadError } from '../../../shared/errors.js';
import { codeOfAsync } from '../../helpers/errors.js';
import { test } from '../../helpers/fixtures.js';
import { ManualClock } from '../../helpers/manual-clock.js';

interface Ran {
  method: string;
  args: unknown[];
  at: number;
}

/** One agent run: an executor on the manual clock, recording what it ran and reported. */
interface Run {
  executor: BundleExecutor;
  ran: Ran[];
  reports: BundleReport[];
}

let dataDir: string;
let clock: ManualClock;
const open: BundleExecutor[] = [];

test.beforeEach(async ({ tempDir }) => {
  dataDir = tempDir;
  clock = new ManualClock();
});
afterEach(async () => {
  for (const executor of open.splice(0)) await executor.close();
});

async function start(run: (method: string, args: unknown[]) => unknown = () => {}): Promise<Run> {
  const ran: Ran[] = [];
  const reports: BundleReport[] = [];
  const executor = await BundleExecutor.open({
    dataDir,
    clock,
    lateToleranceMs: 1000,
    run: (method, args) => {
      ran.push({ method, args, at: clock.now() });
      return run(method, args);
    },
    onReport: (report) => reports.push(report),
  });
  open.push(executor);
  return { executor, ran, reports };
}

/** Moves the clock in 10 ms steps, letting each step's file writes finish before the next. */
async function runFor(run: Run, ms: number): Promise<void> {
  const until = clock.now() + ms;
  while (clock.now() < until) {
    clock.advance(Math.min(10, until - clock.now()));
    for (let turn = 0; turn < 10; turn++) {
      await run.executor.settled();
      clock.advance(0);
    }
  }
}

const names = (ran: Ran[]): string[] => ran.map((entry) => entry.method);
const statuses = (report: BundleReport | undefined): string[] => (report?.commands ?? []).map((c) => `${c.method}:${c.status}`);

describe('timed command bundles on the injected clock (DESIGN §9)', () => {
  test('commands run at start + after, in order of after; one completed report', async () => {
    const run = await start();
    const t0 = clock.now() + 100;
    await run.executor.receive({ id: 'b1', start: t0, commands: [
      { after: 500, method: 'off', args: [] },
      { after: 0, method: 'on', args: ['lamp'] },
      { after: 200, method: 'blink' },
    ] });
    await runFor(run, 1000);
    expect(run.ran).toEqual([
      { method: 'on', args: ['lamp'], at: t0 },
      { method: 'blink', args: [], at: t0 + 200 },
      { method: 'off', args: [], at: t0 + 500 },
    ]);
    expect(run.reports).toHaveLength(1);
    expect(run.reports[0]).toMatchObject({ id: 'b1', status: 'completed', lateMs: null });
    expect(statuses(run.reports[0])).toEqual(['on:done', 'blink:done', 'off:done']);
    expect(run.reports[0]?.commands.map((c) => c.ranAt)).toEqual([t0, t0 + 200, t0 + 500]);
  });

  test('a bundle that arrives after its start beyond the tolerance is refused with how late it was', async () => {
    const run = await start();
    await run.executor.receive({ id: 'keep', start: clock.now() + 500, commands: [{ after: 0, method: 'keep' }] });
    const refused = await run.executor.receive({ id: 'late', start: clock.now() - 1500, commands: [{ after: 0, method: 'never' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SteadError);
    expect((refused as SteadError).code).toBe('STEAD_E_BUNDLE_LATE');
    expect((refused as SteadError).data).toMatchObject({ id: 'late', lateMs: 1500 });
    expect(run.reports).toEqual([expect.objectContaining({ id: 'late', status: 'late', lateMs: 1500, commands: [] })]);
    // A refused bundle changes nothing: the older one still runs.
    await runFor(run, 600);
    expect(names(run.ran)).toEqual(['keep']);
  });

  test('a bundle within the tolerance still runs, its past-due commands at once', async () => {
    const run = await start();
    await run.executor.receive({ id: 'b1', start: clock.now() - 800, commands: [{ after: 0, method: 'on' }, { after: 1000, method: 'off' }] });
    await runFor(run, 300);
    expect(names(run.ran)).toEqual(['on', 'off']);
  });

  test('a newer bundle cancels the pending commands of the older; its own recovery command runs', async () => {
    const run = await start();
    const t0 = clock.now();
    await run.executor.receive({ id: 'old', start: t0, commands: [{ after: 0, method: 'on' }, { after: 1000, method: 'pulse' }, { after: 5000, method: 'off' }] });
    await runFor(run, 500);
    await run.executor.receive({ id: 'new', start: clock.now(), commands: [{ after: 0, method: 'dim' }, { after: 2000, method: 'safe' }] });
    expect(run.reports).toEqual([expect.objectContaining({ id: 'old', status: 'superseded', supersededBy: 'new' })]);
    expect(statuses(run.reports[0])).toEqual(['on:done', 'pulse:cancelled', 'off:cancelled']);
    await runFor(run, 6000);
    expect(names(run.ran)).toEqual(['on', 'dim', 'safe']);
    expect(run.reports.map((r) => `${r.id}:${r.status}`)).toEqual(['old:superseded', 'new:completed']);
  });

  test('a bundle delivered twice runs once', async () => {
    const run = await start();
    const bundle = { id: 'b1', start: clock.now(), commands: [{ after: 100, method: 'on' }] };
    expect(await run.executor.receive(bundle)).toEqual({ status: 'scheduled', id: 'b1' });
    expect(await run.executor.receive(bundle)).toEqual({ status: 'duplicate', id: 'b1' });
    await runFor(run, 200);
    expect(await run.executor.receive(bundle)).toEqual({ status: 'duplicate', id: 'b1' });
    await runFor(run, 200);
    expect(names(run.ran)).toEqual(['on']);
    expect(run.reports).toHaveLength(1);
  });

  test('a command that throws is failed with its code; the rest of the bundle goes on', async () => {
    const run = await start((method) => {
      if (method === 'jam') throw new SteadError('GPIO_IO', 'stuck');
    });
    await run.executor.receive({ id: 'b1', start: clock.now(), commands: [{ after: 0, method: 'jam' }, { after: 10, method: 'off' }] });
    await runFor(run, 100);
    expect(run.reports[0]?.commands[0]).toMatchObject({ status: 'failed', error: { code: 'STEAD_E_GPIO_IO', message: 'stuck' } });
    expect(statuses(run.reports[0])).toEqual(['jam:failed', 'off:done']);
  });

  test.each([
    ['not an object', 'bundle'],
    ['no id', { start: 0, commands: [{ after: 0, method: 'on' }] }],
    ['no commands', { id: 'b', start: 0, commands: [] }],
    ['a negative after', { id: 'b', start: 0, commands: [{ after: -1, method: 'on' }] }],
    ['a command without method', { id: 'b', start: 0, commands: [{ after: 0 }] }],
    ['args not a list', { id: 'b', start: 0, commands: [{ after: 0, method: 'on', args: 'x' }] }],
    ['a start that is not a time', { id: 'b', start: 'now', commands: [{ after: 0, method: 'on' }] }],
  ])('a malformed bundle (%s) is BAD_BUNDLE', async (_name, bundle) => {
    const run = await start();
    expect(await codeOfAsync(() => run.executor.receive(bundle))).toBe('STEAD_E_BAD_BUNDLE');
  });
});

describe('pending bundles survive a restart (the journal in the data folder)', () => {
  test('after a restart within the tolerance every command still runs on time, none twice', async () => {
    const first = await start();
    const t0 = clock.now();
    await first.executor.receive({ id: 'b1', start: t0, commands: [{ after: 0, method: 'on' }, { after: 1000, method: 'pulse' }, { after: 3000, method: 'off' }] });
    await runFor(first, 500);
    await first.executor.close();
    const second = await start();
    await runFor(second, 3000);
    expect(names(first.ran)).toEqual(['on']);
    expect(second.ran).toEqual([{ method: 'pulse', args: [], at: t0 + 1000 }, { method: 'off', args: [], at: t0 + 3000 }]);
    expect(statuses(second.reports[0])).toEqual(['on:done', 'pulse:done', 'off:done']);
  });

  test('commands missed while the agent was down are skipped, but the recovery command runs at once', async () => {
    const first = await start();
    const t0 = clock.now();
    await first.executor.receive({ id: 'b1', start: t0, commands: [{ after: 0, method: 'on' }, { after: 1000, method: 'pulse' }, { after: 3000, method: 'off' }] });
    await runFor(first, 500);
    await first.executor.close();
    clock.advance(10_000); // the agent is down past every command's time
    const second = await start();
    await runFor(second, 100);
    expect(names(second.ran)).toEqual(['off']);
    expect(statuses(second.reports[0])).toEqual(['on:done', 'pulse:missed', 'off:done']);
  });

  test('a command the agent died in is unknown and never runs again', async () => {
    let motorStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (motorStarted = resolve));
    const first = await start((method) => {
      if (method !== 'motor') return undefined;
      motorStarted();
      return new Promise(() => {});
    });
    await first.executor.receive({ id: 'b1', start: clock.now(), commands: [{ after: 0, method: 'motor' }, { after: 1000, method: 'stop' }] });
    clock.advance(0);
    await started;
    // The first agent is stuck in `motor` and dies there (it is never closed); a new one starts.
    open.splice(open.indexOf(first.executor), 1);
    const second = await start();
    await runFor(second, 1500);
    expect(names(second.ran)).toEqual(['stop']);
    expect(statuses(second.reports[0])).toEqual(['motor:unknown', 'stop:done']);
  });

  test('a bundle the agent died in its last command: after restart its one report is given once', async () => {
    let motorStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (motorStarted = resolve));
    const first = await start(() => {
      motorStarted();
      return new Promise(() => {});
    });
    await first.executor.receive({ id: 'b1', start: clock.now(), commands: [{ after: 0, method: 'motor' }] });
    clock.advance(0);
    await started;
    open.splice(open.indexOf(first.executor), 1);
    const second = await start();
    expect(second.reports.map((report) => `${report.id}:${statuses(report).join(',')}`)).toEqual(['b1:motor:unknown']);
    expect(second.ran).toEqual([]);
  });

  test('a closed executor takes no bundle', async () => {
    const run = await start();
    await run.executor.close();
    expect(await codeOfAsync(() => run.executor.receive({ id: 'b1', start: clock.now(), commands: [{ after: 0, method: 'on' }] }))).toBe('STEAD_E_CLOSED');
  });

  test('a report is given again after a restart until it is acknowledged', async () => {
    const first = await start();
    await first.executor.receive({ id: 'b1', start: clock.now(), commands: [{ after: 0, method: 'on' }] });
    await runFor(first, 50);
    expect(first.reports.map((r) => r.id)).toEqual(['b1']);
    await first.executor.close();
    const second = await start();
    expect(second.reports.map((r) => r.id)).toEqual(['b1']);
    await second.executor.acknowledge('b1');
    await second.executor.close();
    const third = await start();
    expect(third.reports).toEqual([]);
    expect(third.ran).toEqual([]);
  });

  test('an unreadable journal is BUNDLE_STORE, not a silent fresh start', async () => {
    await writeFile(join(dataDir, JOURNAL_FILE), 'not cbor of a journal');
    expect(await codeOfAsync(() => start())).toBe('STEAD_E_BUNDLE_STORE');
  });
});
