import { describe, expect, it } from 'vitest';
import { registerStore, type Store } from '../../../broker/index.js';
import { startBroker } from '../../helpers/broker.js';
import { codeOfAsync } from '../../helpers/errors.js';

/**
 * Attack (a hostile or careless store author, docs/stores.md): a registered factory that hands
 * back something that is not a store, or that throws a plain Error. The broker must refuse to
 * start with a typed error that says which (BAD_CONFIG naming `store`, STORE_FAILURE), not die
 * on a TypeError from deep inside the wake scan.
 */
describe('a store factory that returns no store', () => {
  it('an object without the store operations is refused as BAD_CONFIG naming the store', async () => {
    registerStore('attack-empty', () => ({}) as Store);
    registerStore('attack-undefined', () => undefined as unknown as Store);
    registerStore('attack-half', () => ({ load: async () => undefined }) as unknown as Store);
    for (const url of ['attack-empty:', 'attack-undefined:', 'attack-half:']) {
      const error = await startBroker({ store: url }).then(
        async (broker) => (await broker.close(), null),
        (thrown: unknown) => thrown,
      );
      expect(error).toMatchObject({ code: 'STEAD_E_BAD_CONFIG', data: { fields: ['store'] } });
    }
  });

  it('a factory that throws a plain error is a STORE_FAILURE', async () => {
    registerStore('attack-throws', () => {
      throw new Error('cannot reach the backend');
    });
    expect(await codeOfAsync(() => startBroker({ store: 'attack-throws:' }))).toBe('STEAD_E_STORE_FAILURE');
  });
});
