import { describe, expect, it } from 'vitest';
import type { Device } from '../../../device/index.js';
import { asyncInitApp, throwingInitApp } from '../../helpers/apps/broken-init-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';

// Attack: an app whose `init` goes wrong. Today a throwing init leaves every request to the
// proxy unanswered (the device retries until DEADLINE, the broker logs "activation failed" on
// each); an init that returns a promise silently makes the state `{}` (a Promise encodes as an
// empty map): the app's first state is lost without a word.

const DEADLINE_MS = 3000;

describe('a proxy whose init goes wrong answers with a typed error, never silence or a wrong state', () => {
  const env = brokerOnDemand();
  const start = (): Promise<Device> => env.start({ apps: [throwingInitApp, asyncInitApp] }, { session: { deadlineMs: DEADLINE_MS } });

  it('an init that throws: calls are answered with APP_ERROR', async () => {
    const d = await start();
    await expect(d.session('throwing-init/shop', 'till').call('count')).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
  });

  it('an init that returns a promise: the state is what it resolves to, or the call gets a typed error', async () => {
    const d = await start();
    const outcome = await d.session('async-init/shop', 'till').call('count').then(
      (value) => value,
      (error: { code?: string }) => error.code,
    );
    expect([5, 'STEAD_E_APP_ERROR', 'STEAD_E_BAD_VALUE']).toContain(outcome);
  });
});
