import { describe, expect, it } from 'vitest';
import { withBrokerAndDevice } from '../helpers/broker.js';

describe('examples/hello: a pulse notifying two sessions at different rates', () => {
  const env = withBrokerAndDevice();

  it('client1 hears every second pulse and client2 every third', async () => {
    const client1: number[] = [];
    const client2: number[] = [];
    const s1 = env.device.session('hello/world', 'client1');
    const s2 = env.device.session('hello/world', 'client2');
    s1.onNotify((payload) => void client1.push((payload as number[])[0] as number));
    s2.onNotify((payload) => void client2.push((payload as number[])[0] as number));
    await s1.call('counter');
    await expect.poll(() => client2.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(client1.every((n) => n % 2 === 0)).toBe(true);
    expect(client2.every((n) => n % 3 === 0)).toBe(true);
    // In order, none missed: consecutive multiples (each queue keeps 10, acks keep it short).
    expect(client2.slice(0, 3)).toEqual([client2[0], (client2[0] as number) + 3, (client2[0] as number) + 6]);
    const info = (await s1.call('sessionInfo')) as Record<string, unknown>;
    expect(info.current).toBe('client1');
    expect(Object.keys(info).sort()).toEqual(['client1', 'client2', 'current']);
  });
});
