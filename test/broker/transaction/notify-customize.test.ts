import { describe, expect, it } from 'vitest';
import type { Device } from '../../../device/index.js';
import { lifecycleApp } from '../../helpers/apps/lifecycle-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';

// Issue 7: notify(payload, pattern, { customize }) shapes or skips each session's copy, inside
// the transaction (docs/apps.md, notify with a customizer).
describe('notify with a customizer', () => {
  const env = brokerOnDemand();

  /** Sessions a (lang fr), b (lang de) and muted of one proxy, each begun; `a` sends the calls. */
  async function three(device: Device, id: string): Promise<ReturnType<Device['session']>> {
    const a = device.session(`life/${id}`, 'a');
    await a.begin({ lang: 'fr' });
    await device.session(`life/${id}`, 'b').begin({ lang: 'de' });
    await device.session(`life/${id}`, 'muted').begin({ lang: 'en' });
    return a;
  }

  it('is called once per matching session and shapes its copy; undefined skips the session', async () => {
    const a = await three(await env.start({ apps: [lifecycleApp] }), 'shape');
    expect(await a.call('greet', 'lang')).toBe(3);
    expect(await a.call('queue', 'a')).toEqual(['hello (fr) to a']);
    expect(await a.call('queue', 'b')).toEqual(['hello (de) to b']);
    expect(await a.call('queue', 'muted')).toEqual([]);
  });

  it('that skips every session queues nothing, and the method still commits', async () => {
    const a = await three(await env.start({ apps: [lifecycleApp] }), 'skip');
    expect(await a.call('greet', 'skipsAll')).toBe(3);
    expect(await a.call('read')).toBe(1);
    expect(await a.call('queue', 'b')).toEqual([]);
  });

  describe('dooms the transaction (nothing kept, the copies of other sessions included)', () => {
    it.each([
      ['throws', 'STEAD_E_APP_ERROR'],
      ['notPlain', 'STEAD_E_BAD_VALUE'],
      ['changes', 'STEAD_E_CONTEXT_CLOSED'],
    ])('when the customizer %s: %s, even if the method catches it', async (customizer, code) => {
      const a = await three(await env.start({ apps: [lifecycleApp] }), 'doom');
      await expect(a.call('greet', customizer)).rejects.toMatchObject({ code });
      await expect(a.call('greet', customizer, true)).rejects.toMatchObject({ code });
      expect(await a.call('read')).toBe(0);
      for (const session of ['a', 'b', 'muted']) expect(await a.call('queue', session)).toEqual([]);
    });
  });
});
