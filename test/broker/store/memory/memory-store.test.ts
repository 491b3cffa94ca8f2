import { createMemoryStore } from '../../../../broker/store/memory/memory-store.js';
import { runStoreContract } from '../../../contracts/store.contract.js';

runStoreContract('memory', async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
});
