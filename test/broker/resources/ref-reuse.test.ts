import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, Verb, type Frame, type ResourceOptions, type VerbCode } from '../../../shared/wire/frames.js';
import { it, test } from '../../helpers/fixtures.js';
import { connectRaw, type RawClient } from '../../helpers/raw-session.js';

const topic = (channel: string, way: 'in' | 'out'): string => `stead/toaster/vault/${channel}/${way}`;

function request(ref: number, verb: VerbCode, key: string, value: unknown = null, options: ResourceOptions | null = null): Uint8Array {
  return encodeFrame({ kind: Kind.resource, ref: new Uint8Array(8).fill(ref), verb, session: 'kitchen', key, value, options });
}

/**
 * DESIGN §6: the answer kept for a resource write is for that request sent again — not for any
 * request that happens to carry the same ref. A ref reused with another verb, key or value, or on
 * another client's channel, must get its own answer: never the kept answer of a once-only read,
 * which would hand a consumed value out a second time.
 */
describe('a resource request ref reused for another request', () => {
  let broker: SteadBroker | undefined;
  const clients: RawClient[] = [];

  test.beforeEach(({ broker: started }) => {
    broker = started;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
  });

  async function channel(name: string): Promise<(bytes: Uint8Array, ref: number) => Promise<Frame>> {
    const client = await connectRaw((broker as SteadBroker).url);
    clients.push(client);
    await client.subscribe(topic(name, 'out'));
    return async (bytes, ref) => {
      const answer = client.nextFrame(topic(name, 'out'), (f) => (f.kind === Kind.reply || f.kind === Kind.error) && f.ref?.[0] === ref);
      await client.publish(topic(name, 'in'), bytes);
      return answer;
    };
  }

  it('another channel reusing the ref of a once-only read does not get the consumed value', async () => {
    const owner = await channel('owner');
    const other = await channel('other');
    await owner(request(1, Verb.sink, 'secret', 'S3CRET', { once: true }), 1);
    expect(await owner(request(2, Verb.source, 'secret'), 2)).toMatchObject({ kind: Kind.reply, value: 'S3CRET' });

    // The same ref, another channel, another key: answered for what it asks (absent).
    expect(await other(request(2, Verb.source, 'elsewhere'), 2)).toMatchObject({ kind: Kind.reply, value: undefined });
    // The same ref and the very same request bytes, but from another channel: its own run.
    expect(await other(request(2, Verb.source, 'secret'), 2)).toMatchObject({ kind: Kind.reply, value: undefined });
    // The owner's request sent again still gets its first answer.
    expect(await owner(request(2, Verb.source, 'secret'), 2)).toMatchObject({ kind: Kind.reply, value: 'S3CRET' });
  });

  it('the same channel reusing a ref with another verb, key or value gets that request run', async () => {
    const client = await channel('reuse');
    await client(request(3, Verb.sink, 'a', 'first'), 3);
    // Same ref, another value: a new write (not the kept answer of the first one).
    await client(request(3, Verb.sink, 'a', 'second'), 3);
    expect(await client(request(4, Verb.source, 'a'), 4)).toMatchObject({ value: 'second' });
    // Same ref, another verb: DELETE runs and says the resource was there.
    expect(await client(request(3, Verb.delete, 'a'), 3)).toMatchObject({ kind: Kind.reply, value: true });
    expect(await client(request(5, Verb.exists, 'a'), 5)).toMatchObject({ value: false });
  });
});
