import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect } from 'vitest';
import { defineProxy, type SteadBroker } from '../../broker/index.js';
import { connectDevice } from '../../device/index.js';
import { CallJournal } from '../../device/call-once/journal.js';
import { it, test } from '../helpers/fixtures.js';
import { cliEnv } from '../helpers/cli-env.js';
import { runStead, spawnStead } from '../helpers/processes.js';

// Attack on the journal lock (device/call-once/journal.ts lock()). A run killed while it holds
// the lock (kill -9, a closed terminal, a crash) leaves the lock file naming a dead pid; the next
// run takes it over by reading it, finding the pid gone and unlinking it. Reading and unlinking
// are two steps: two runs that meet the stale lock together both read it as stale; the first
// unlinks it and makes its own, the second then unlinks *that one* and makes its own, and both
// hold "the" lock. The two runs of one command that the lock exists to keep apart (the second
// attack's double purchase) buy twice again, as soon as any earlier run died holding it.

const JOURNAL_API = pathToFileURL(fileURLToPath(new URL('../../dist/device/call-once/journal.js', import.meta.url))).href;
const LOCKER = `import { CallJournal } from '${JOURNAL_API}';
const journal = new CallJournal(process.argv[2], JSON.parse(process.argv[3]));
console.log('ready');
process.stdin.once('data', async () => {
  try {
    const unlock = await journal.lock();
    console.log('took');
    setTimeout(() => unlock().then(() => process.exit(0)), 300);
  } catch (error) {
    console.log('refused', error.code);
    process.exit(0);
  }
});
`;

/** A shop whose sale takes a while: a run that holds the lock holds it for that long. */
const slowShop = defineProxy({
  name: 'slowshop',
  init: () => ({ counters: {} as Record<string, number> }),
  methods: {
    buy: {
      args: ['string'],
      async run(ctx, item: string) {
        await new Promise((resolve) => setTimeout(resolve, 800));
        ctx.state.counters[item] = (ctx.state.counters[item] ?? 0) + 1;
        return ctx.state.counters[item];
      },
    },
    counters: { args: [], run: (ctx) => ctx.state.counters },
  },
});

describe('one stead call of a session at a time, also when an earlier run died holding the lock', () => {
  let dir: string;
  let broker: SteadBroker;

  test.override('brokerOptions', { apps: [slowShop] });

  test.beforeEach(({ tempDir, broker: started }) => {
    dir = tempDir;
    broker = started;
  });

  const round = async (name: string, staleLock: boolean): Promise<void> => {
    const journal = join(dir, `journal-${name}`);
    const key = { broker: broker.url, root: 'stead', proxy: 'slowshop/shop-1', session: name };
    await mkdir(journal);
    // What a run killed while holding the lock leaves behind: its pid, now gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    if (staleLock) await writeFile(`${new CallJournal(journal, key).path}.lock`, JSON.stringify({ pid: dead, host: hostname() }));
    // Started together, well within the 800 ms that whichever run takes the lock holds it.
    const children = Array.from({ length: 4 }, () =>
      spawnStead(['call', '--broker', broker.url, '--journal', journal, 'slowshop/shop-1', name, 'buy', `["${name}"]`]),
    );
    await Promise.all(children.map((child) => once(child, 'exit')));
  };

  const counters = async (): Promise<Record<string, number>> => {
    const device = await connectDevice({ url: broker.url });
    try {
      return (await device.session('slowshop/shop-1', 'check').call('counters')) as Record<string, number>;
    } finally {
      await device.close();
    }
  };

  it('control: runs started together with no lock file buy once', async () => {
    await round('fresh', false);
    expect(await counters()).toEqual({ fresh: 1 });
  });

  it('of runs that meet a stale lock at the same instant, one takes it', async () => {
    // Each child is a real process running the compiled lock() (as `stead call` does); they wait
    // on stdin, so that the test can start them together, then hold the lock for 300 ms.
    const script = join(dir, 'take-lock.mjs');
    await writeFile(script, LOCKER);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const key = { broker: broker.url, root: 'stead', proxy: 'slowshop/shop-1', session: 'cli' };
    const overlapping: number[] = [];
    for (let round = 0; round < 8; round++) {
      const journal = join(dir, `lock-${round}`);
      await mkdir(journal);
      await writeFile(`${new CallJournal(journal, key).path}.lock`, JSON.stringify({ pid: dead, host: hostname() }));
      const children = Array.from({ length: 4 }, () => spawn(process.execPath, [script, journal, JSON.stringify(key)], { stdio: ['pipe', 'pipe', 'inherit'], env: cliEnv() }));
      const outputs = children.map((child) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        return { text: () => text, ready: new Promise<void>((resolve) => child.stdout.on('data', () => text.includes('ready') && resolve())) };
      });
      await Promise.all(outputs.map((output) => output.ready));
      for (const child of children) child.stdin.end('go\n');
      await Promise.all(children.map((child) => once(child, 'exit')));
      const holders = outputs.filter((output) => output.text().includes('took')).length;
      if (holders !== 1) overlapping.push(holders);
    }
    // Each round: one holder, the others refused with CALL_IN_PROGRESS.
    expect(overlapping).toEqual([]);
  }, 20_000);

  // A lock outlives its process (kill -9, a crash, a reboot: the journal is under ~/.stead). Its
  // pid is then given to another process sooner or later (after a reboot, soon): a process that
  // started long after the lock was written cannot be its holder. Today every run of the session
  // is refused with CALL_IN_PROGRESS for as long as that unrelated process lives, `--new` included,
  // and the hint says to stop it ("Wait for it to finish (or stop it)"): the journalled call whose
  // outcome is unknown cannot be resumed.
  it('a lock whose pid now belongs to a process started after it was written is taken over', async () => {
    const journal = join(dir, 'journal-reused');
    const key = { broker: broker.url, root: 'stead', proxy: 'slowshop/shop-1', session: 'reused' };
    await mkdir(journal);
    const unrelated = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const lock = `${new CallJournal(journal, key).path}.lock`;
      await writeFile(lock, JSON.stringify({ pid: unrelated.pid, host: hostname() }));
      // Written an hour ago, by the run that died then.
      const anHourAgo = new Date(Date.now() - 3_600_000);
      await utimes(lock, anHourAgo, anHourAgo);
      const run = await runStead(['call', '--broker', broker.url, '--journal', journal, 'slowshop/shop-1', 'reused', 'buy', '["x"]']);
      expect(run).toMatchObject({ code: 0, stdout: '1\n' });
    } finally {
      unrelated.kill('SIGKILL');
      await once(unrelated, 'exit');
    }
  });
});
