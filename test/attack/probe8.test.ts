import { afterEach, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device } from '../../device/index.js';
import { startBroker } from '../helpers/broker.js';
import { ManualClock } from '../helpers/manual-clock.js';

let broker: SteadBroker | undefined; let device: Device | undefined;
afterEach(async () => { await device?.close(); await broker?.close(); });
const show = async (what: string, p: Promise<unknown>) => { try { console.log(what, 'OK', JSON.stringify(await p)); } catch (e) { console.log(what, 'ERR', (e as { code?: string }).code); } };

it('probe', async () => {
  const clock = new ManualClock();
  broker = await startBroker({ clock, limits: { maxSessionsPerProxy: 2, maxResourcesPerSession: 2 } });
  device = await connectDevice({ url: broker.url });
  const r = device.resources('toaster/p1', { deadlineMs: 3000 });
  await show('new1', r.newSession());
  await show('new2', r.newSession());
  await show('new3', r.newSession());
  await show('sink new session', r.sink('x', 'a', 1));
  await show('ls', r.sessions());
  const r2 = device.resources('toaster/p2', { deadlineMs: 3000 });
  await show('once+ttl', r2.sink('s', 'k', 'v', { once: true, ttlMs: 100 }));
  clock.advance(99);
  await show('exists@99', r2.exists('s', 'k'));
  clock.advance(1);
  await show('source@100', r2.source('s', 'k'));
  await show('sink a', r2.sink('s', 'a', 1, { ttlMs: 10 }));
  await show('sink b', r2.sink('s', 'b', 1));
  await show('sink c (limit)', r2.sink('s', 'c', 1));
  clock.advance(10);
  await show('sink c after a expired', r2.sink('s', 'c', 1));
  await show('keys', r2.keys('s'));
  await show('huge ttl', r2.sink('s', 'a', 1, { ttlMs: Number.MAX_SAFE_INTEGER }));
  await show('exists huge', r2.exists('s', 'a'));
  await show('bad key', r2.source('s', 'A B'));
});
