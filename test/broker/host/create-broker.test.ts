import { describe, expect } from 'vitest';
import { createMemoryStore, registerStore } from '../../../broker/index.js';
import { startBroker } from '../../helpers/broker.js';
import { it } from '../../helpers/fixtures.js';

describe('a broker that cannot start leaves nothing open', () => {
  it('a port in use rejects, and the store it opened for itself is closed', async ({ broker: first }) => {
    let closed = 0;
    registerStore('count-close', () => {
      const store = createMemoryStore();
      return { ...store, close: async () => void (closed++, await store.close()) };
    });
    await expect(startBroker({ port: first.port, store: 'count-close:' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(closed).toBe(1);
  });
});
