import { createMemoryStore } from '../../../../broker/store/memory/memory-store.js';
import { runStoreContract } from '../../../../broker/testing.js';

runStoreContract('memory', async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
});
