import { describe, expect, it } from 'vitest';
import { CompiledGrants, isValidProxyPattern, isValidTopicGrant } from '../../../broker/auth/grants.js';
import { ReplayCache } from '../../../broker/auth/replay-cache.js';
import { ownsClientId } from '../../../broker/auth/verify-connect.js';

describe('grants (docs/identity.md)', () => {
  const grants = new CompiledGrants({ proxies: ['toaster/shop-1', 'lamp/*', '*/{device}'], topics: ['telemetry/+/temp', 'logs/#'] }, 'dev9');

  it.each([
    ['toaster', 'shop-1', true],
    ['toaster', 'shop-2', false],
    ['lamp', 'anything', true],
    ['kettle', 'dev9', true],
    ['kettle', 'dev8', false],
  ])('proxy %s/%s: %s', (app, id, allowed) => {
    expect(grants.mayUseProxy(app, id)).toBe(allowed);
  });

  it.each([
    ['telemetry/a/temp', true],
    ['telemetry/a/b/temp', false],
    ['logs', true],
    ['logs/x/y', true],
    ['log', false],
  ])('topic %s: %s', (topic, allowed) => {
    expect(grants.mayUseTopic(topic)).toBe(allowed);
  });

  it.each([['a/b', true], ['*/*', true], ['*/{device}', true], ['a', false], ['a/b/c', false], ['A/b', false], ['{device}/b', false]])(
    'proxy pattern %s valid: %s',
    (pattern, valid) => expect(isValidProxyPattern(pattern)).toBe(valid),
  );

  it.each([['a/#', true], ['+/x', true], ['$SYS/#', false], ['a/#/b', false], ['a+/b', false], ['', false]])('topic grant %s valid: %s', (filter, valid) =>
    expect(isValidTopicGrant(filter)).toBe(valid),
  );

  it.each([['dev1', 'dev1', true], ['dev1', 'dev1/x', true], ['dev1', 'dev10', false], ['dev1', 'dev1-x', false], ['dev1', 'dev', false]])(
    'device %s owns client id %s: %s',
    (device, clientId, owns) => expect(ownsClientId(device, clientId)).toBe(owns),
  );
});

describe('the replay cache', () => {
  const nonce = (n: number): Uint8Array => new Uint8Array(16).fill(n);

  it('remembers a nonce for two windows, then forgets it', () => {
    const cache = new ReplayCache({ windowMs: 1000, capacity: 10, perKey: 10 });
    expect(cache.claim('d', nonce(1), 0, false)).toBe('fresh');
    expect(cache.seen('d', nonce(1), 1999)).toBe(true);
    expect(cache.claim('d', nonce(1), 1999, false)).toBe('replayed');
    expect(cache.seen('d', nonce(1), 2000)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('keys on the device and the nonce bytes: the same nonce of another device is its own', () => {
    const cache = new ReplayCache({ windowMs: 1000, capacity: 10, perKey: 10 });
    expect(cache.claim('a', nonce(1), 0, false)).toBe('fresh');
    expect(cache.claim('b', nonce(1), 0, false)).toBe('fresh');
  });

  it('is bounded: full of live nonces, it refuses to add (fail closed), except for a reserved key', () => {
    const cache = new ReplayCache({ windowMs: 1000, capacity: 2, perKey: 10 });
    expect(cache.claim('a', nonce(1), 0, false)).toBe('fresh');
    expect(cache.claim('b', nonce(2), 1, false)).toBe('fresh');
    expect(cache.claim('c', nonce(3), 2, false)).toBe('full');
    expect(cache.claim('admin', nonce(3), 2, true)).toBe('fresh');
    expect(cache.claim('c', nonce(3), 2001, false)).toBe('fresh');
    expect(cache.size).toBe(2);
  });

  it('gives each key a bounded share: past it that key alone is refused, until its nonces expire', () => {
    const cache = new ReplayCache({ windowMs: 1000, capacity: 100, perKey: 2 });
    expect(cache.claim('a', nonce(1), 0, false)).toBe('fresh');
    expect(cache.claim('a', nonce(2), 0, false)).toBe('fresh');
    expect(cache.claim('a', nonce(3), 0, false)).toBe('key_full');
    expect(cache.claim('b', nonce(3), 0, false)).toBe('fresh');
    expect(cache.claim('a', nonce(3), 2000, false)).toBe('fresh');
  });
});
