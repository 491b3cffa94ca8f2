import { describe, expect, it } from 'vitest';
import { createMemoryStore, registerStore } from '../../../broker/index.js';
import { startBroker } from '../../helpers/broker.js';

describe('a broker that cannot start leaves nothing open', () => {
  it('a port in use rejects, and the store it opened for itself is closed', async () => {
    const first = await startBroker();
    let closed = 0;
    registerStore('count-close', () => {
      const store = createMemoryStore();
      return { ...store, close: async () => void (closed++, await store.close()) };
    });
    try {
      await expect(startBroker({ port: first.port, store: 'count-close:' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(closed).toBe(1);
    } finally {
      await first.close();
    }
  });
});
