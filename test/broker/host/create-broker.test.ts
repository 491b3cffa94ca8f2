import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, registerStore, type BrokerOptions } from '../../../broker/index.js';
import { startBroker } from '../../helpers/broker.js';
import { runStead } from '../../helpers/processes.js';

/** A store of the scheme `count-close:` that counts its closes. */
function countingStore(): { closed: number } {
  const counter = { closed: 0 };
  registerStore('count-close', () => {
    const store = createMemoryStore();
    return { ...store, close: async () => void (counter.closed++, await store.close()) };
  });
  return counter;
}

/** A TCP port held by this test (bound on loopback), so a broker step that needs it fails. */
async function holdPort(): Promise<Server> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function release(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;

/** Whether nothing listens on the port: it can be bound again (and is released at once). */
async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  const outcome = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (outcome) await new Promise<void>((resolve) => server.close(() => resolve()));
  return outcome;
}

describe('a broker that cannot start leaves nothing open', () => {
  let held: Server;
  beforeEach(async () => {
    held = await holdPort();
  });
  afterEach(async () => {
    await release(held);
  });

  it('a port in use fails the listeners step with START_FAILED, and the store it opened for itself is closed', async () => {
    const counter = countingStore();
    await expect(startBroker({ port: portOf(held), store: 'count-close:' })).rejects.toMatchObject({
      code: 'STEAD_E_START_FAILED',
      data: { step: 'listeners', system: 'EADDRINUSE' },
    });
    expect(counter.closed).toBe(1);
  });

  it('a failure at the last step (the HTTP port in use) undoes every step before it: no listening socket, store closed', async () => {
    const counter = countingStore();
    const probe = await holdPort();
    const mqttPort = portOf(probe);
    await release(probe);
    await expect(startBroker({ port: mqttPort, store: 'count-close:', http: `127.0.0.1:${portOf(held)}` })).rejects.toMatchObject({
      code: 'STEAD_E_START_FAILED',
      data: { step: 'http', system: 'EADDRINUSE' },
    });
    expect(counter.closed).toBe(1);
    // The MQTT listener had bound this port before the HTTP step failed: it is closed again.
    expect(await isFree(mqttPort)).toBe(true);
  });

  it('a store it was given stays the caller’s when the start fails, and is the broker’s to close once started', async () => {
    let closed = 0;
    const store = { ...createMemoryStore(), close: async () => void closed++ };
    await expect(startBroker({ port: portOf(held), store })).rejects.toMatchObject({ code: 'STEAD_E_START_FAILED' });
    expect(closed).toBe(0);
    const broker = await startBroker({ store });
    await broker.close();
    expect(closed).toBe(1);
  });

  it('options that break the schema are BAD_OPTIONS naming each field, before anything opens', async () => {
    const counter = countingStore();
    await expect(startBroker({ store: 'count-close:', port: 70_000, limits: { maxInbox: 0 } })).rejects.toMatchObject({
      code: 'STEAD_E_BAD_OPTIONS',
      data: { fields: ['port', 'limits.maxInbox'] },
    });
    await expect(startBroker({ colour: 'red' } as unknown as BrokerOptions)).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS', data: { fields: ['colour'] } });
    expect(counter.closed).toBe(0);
  });
});

describe('stead broker that cannot start', () => {
  let dir: string;
  let held: Server;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-start-failed-'));
    held = await holdPort();
  });
  afterEach(async () => {
    await release(held);
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 by itself, logging START_FAILED: the SQLite store, its worker and every timer are closed', async () => {
    const result = await runStead(['broker', '--port', '0', '--store', `sqlite:${join(dir, 'stead.db')}`, '--http', `127.0.0.1:${portOf(held)}`]);
    expect(result.code).toBe(1);
    const fatal = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { code?: string; err?: { data?: unknown } })
      .find((l) => l.code);
    expect(fatal).toMatchObject({ code: 'STEAD_E_START_FAILED', err: { data: { step: 'http', system: 'EADDRINUSE' } } });
  });
});
