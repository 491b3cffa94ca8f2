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
  it('remembers a nonce for two windows, then forgets it', () => {
    const cache = new ReplayCache(1000, 10);
    expect(cache.add('a', 0)).toBe(true);
    expect(cache.has('a', 1999)).toBe(true);
    expect(cache.has('a', 2000)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('is bounded: full of live nonces, it refuses to add (fail closed)', () => {
    const cache = new ReplayCache(1000, 2);
    expect(cache.add('a', 0)).toBe(true);
    expect(cache.add('b', 1)).toBe(true);
    expect(cache.add('c', 2)).toBe(false);
    expect(cache.add('c', 2001)).toBe(true);
    expect(cache.size).toBe(1);
  });
});
