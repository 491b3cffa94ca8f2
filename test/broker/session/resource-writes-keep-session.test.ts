import { describe, expect, it } from 'vitest';
import { lifecycleApp } from '../../helpers/apps/lifecycle-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const TTL = 1000;
/** A session goes between TTL and TTL + TTL/4 after its last activity (record/idle.ts). */
const LATEST = TTL + TTL / 4;

/**
 * DESIGN §6 and docs/sessions.md: an idle session goes no sooner than one TTL after its last
 * activity. A client writing a resource into a session over the wire (a device, `stead session
 * put`) is using it: the sweep must not take a value a client wrote a moment ago — a committed
 * effect lost, with a TTL of its own far from over — because the session was begun long before.
 */
describe('a resource written into a session by a client', () => {
  const env = brokerOnDemand();

  it('keeps the session from the idle sweep for a TTL after the write', async () => {
    const clock = new ManualClock();
    const device = await env.start({ apps: [lifecycleApp], clock, sessionIdleTtlMs: TTL });
    const resources = device.resources('life/vault', { deadlineMs: 5000 });
    await resources.sink('kitchen', 'old', 'written when the session was made');
    clock.advance(TTL);
    await resources.sink('kitchen', 'fresh', 'written just now', { ttlMs: 10 * TTL });
    expect(await resources.source('kitchen', 'fresh')).toBe('written just now');
    // LATEST after the first write: a session idle since then would go now.
    clock.advance(LATEST - TTL);
    expect(await resources.exists('kitchen', 'fresh')).toBe(true);
    // That read was activity too (written, as lastSeen lagged by a quarter TTL). LATEST after it,
    // with nothing since, the session is idle and goes, as documented.
    clock.advance(LATEST);
    expect(await resources.keys('kitchen')).toEqual([]);
  });
});
