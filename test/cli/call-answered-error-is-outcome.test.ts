import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { defineProxy, type ProxyContext, type SteadBroker } from '../../broker/index.js';
import { SteadError } from '../../shared/errors.js';
import { connectDevice } from '../../device/index.js';
import { it, test } from '../helpers/fixtures.js';
import { runStead, type RunResult } from '../helpers/processes.js';

/** `stead call` exit codes (docs/cli.md). */
const EXIT = { answered: 0, failed: 1, refused: 2, unknown: 3, lost: 4, unsent: 5 };

// Attack on the refused-resend rule (call-once.ts: only codes in CACHED_REPLIES are answers).
// The proxy caches under the call's seq whatever its method threw, and a Stead error thrown by
// app code keeps its own code (replies.ts toSteadError). A method that lets a Stead error escape
// (here CONTEXT_CLOSED from a context kept by an earlier method, the hole-4 bug an app makes;
// just as well DEADLINE or UNKNOWN_APP from a nested call to another proxy) is answered, cached,
// and its effects dropped: the outcome is known (failed, no effect). `stead call` calls it
// "unknown" (exit 3) and keeps the journal; every rerun gets the same cached error from the
// reply cache and exits 3 again, forever. The only way out it offers is `--new`.

let kept: ProxyContext<{ n: number }> | null = null;
const leaky = defineProxy({
  name: 'leaky',
  init: () => ({ n: 0 }),
  methods: {
    keep: { args: [], run: (ctx: ProxyContext<{ n: number }>) => void (kept = ctx) },
    /** Changes the state, then uses the context an earlier call kept: CONTEXT_CLOSED escapes. */
    stamp: {
      args: [],
      run(ctx: ProxyContext<{ n: number }>) {
        ctx.state.n += 1;
        return kept?.now() ?? 0;
      },
    },
    count: { args: [], run: (ctx: ProxyContext<{ n: number }>) => ctx.state.n },
    /** Lets a nested Stead call's INBOX_FULL (a busy proxy it called) escape. */
    relay: {
      args: [],
      run(ctx: ProxyContext<{ n: number }>) {
        ctx.state.n += 1;
        throw new SteadError('INBOX_FULL', 'the proxy this one called was busy');
      },
    },
  },
});

describe('an error the proxy answered a call with is its outcome, whatever its code', () => {
  let dir: string;
  let broker: SteadBroker;

  test.override('brokerOptions', { apps: [leaky] });

  test.beforeEach(({ tempDir, broker: started }) => {
    dir = tempDir;
    broker = started;
  });

  afterEach(() => {
    kept = null;
  });

  const stead = (args: string[]): Promise<RunResult> =>
    runStead(['call', '--broker', broker.url, '--journal', join(dir, 'journal'), '--deadline', '3000', ...args]);

  it('a method that throws a Stead error of a non-app code exits 1 (failed) and leaves no journal', async () => {
    expect((await stead(['leaky/p1', 'setup', 'keep'])).code).toBe(EXIT.answered);
    const first = await stead(['leaky/p1', 'cli', 'stamp']);
    const again = await stead(['leaky/p1', 'cli', 'stamp']);
    // The effect was dropped and the answer cached: the outcome is known.
    expect((await stead(['leaky/p1', 'check', 'count'])).stdout).toBe('0\n');
    expect.soft(first.stderr).toContain('STEAD_E_CONTEXT_CLOSED');
    expect.soft({ first: first.code, again: again.code }).toEqual({ first: EXIT.failed, again: EXIT.failed });
    expect(await readdir(join(dir, 'journal')).then((names) => names.filter((name) => name.endsWith('.json')))).toEqual([]);
  });

  it('a device whose call the proxy answered with a retry-coded app error fails at once, not at its deadline', async () => {
    const device = await connectDevice({ url: broker.url });
    try {
      const started = Date.now();
      const error = await device.session('leaky/p2', 'dev', { deadlineMs: 4000 }).call('relay').then(
        () => null,
        (thrown: unknown) => thrown as SteadError,
      );
      // The proxy answered once and cached it; resending the seq only gets the same answer.
      // As the app's error, or as APP_ERROR if the proxy recodes what app code throws.
      expect.soft(['STEAD_E_INBOX_FULL', 'STEAD_E_APP_ERROR']).toContain(error?.code);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await device.close();
    }
  });
});
