import { describe, expect, it } from 'vitest';
import { helloApp } from '../../examples/hello/app.js';
import { withBrokerAndDevice } from '../helpers/broker.js';

// The README's example itself (other tests use the copy in test/helpers/apps).
describe('examples/hello: a pulse notifying two sessions at different rates', () => {
  const env = withBrokerAndDevice({ apps: [helloApp(40)] });

  it('client1 hears every second pulse and client2 every third', async () => {
    const client1: number[] = [];
    const client2: number[] = [];
    const s1 = env.device.session('hello/world', 'client1');
    const s2 = env.device.session('hello/world', 'client2');
    s1.onNotify((payload) => void client1.push((payload as number[])[0] as number));
    s2.onNotify((payload) => void client2.push((payload as number[])[0] as number));
    await s1.call('counter');
    await expect.poll(() => client2.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    await expect.poll(() => client1.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    // In order, none missed: consecutive multiples (each queue keeps 10, acks keep it short).
    const first2 = client2[0] as number;
    expect(first2 % 3).toBe(0);
    expect(client2.slice(0, 3)).toEqual([first2, first2 + 3, first2 + 6]);
    const first1 = client1[0] as number;
    expect(first1 % 2).toBe(0);
    expect(client1.slice(0, 3)).toEqual([first1, first1 + 2, first1 + 4]);
    const info = (await s1.call('sessionInfo')) as Record<string, unknown>;
    expect(info.current).toBe('client1');
    expect(Object.keys(info).sort()).toEqual(['client1', 'client2', 'current']);
  });
});
