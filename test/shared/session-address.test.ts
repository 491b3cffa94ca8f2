import { describe, expect, it } from 'vitest';
import { formatSessionAddress, isValidKey, parseSessionAddress } from '../../shared/session-address.js';
import { codeOf } from '../helpers/errors.js';

describe('the session address space (DESIGN §6)', () => {
  it.each([
    ['session:toaster/shop-1/kitchen+cart', { app: 'toaster', id: 'shop-1', session: 'kitchen', key: 'cart' }],
    ['session:toaster/shop-1/kitchen+customer@customer-resource', { app: 'toaster', id: 'shop-1', session: 'kitchen', key: 'customer@customer-resource' }],
    ['session:toaster/shop-1/kitchen', { app: 'toaster', id: 'shop-1', session: 'kitchen', key: null }],
    ['session:toaster/shop-1', { app: 'toaster', id: 'shop-1', session: null, key: null }],
    ['session:a/b/0123456789abcdef0123456789abcdef+k.v_1-2', { app: 'a', id: 'b', session: '0123456789abcdef0123456789abcdef', key: 'k.v_1-2' }],
  ])('%s parses, and formats back to itself', (text, address) => {
    expect(parseSessionAddress(text)).toEqual(address);
    expect(formatSessionAddress(address)).toBe(text);
  });

  it.each([
    ['no scheme', 'toaster/shop-1/kitchen+cart', 'STEAD_E_BAD_ADDRESS'],
    ['another scheme', 'sessions:toaster/shop-1', 'STEAD_E_BAD_ADDRESS'],
    ['only an app', 'session:toaster', 'STEAD_E_BAD_ADDRESS'],
    ['too many levels', 'session:a/b/c/d', 'STEAD_E_BAD_ADDRESS'],
    ['a key without a session', 'session:a/b+key', 'STEAD_E_BAD_ADDRESS'],
    ['not a string', 42, 'STEAD_E_BAD_ADDRESS'],
    ['far too long', `session:a/b/c+${'k'.repeat(1000)}`, 'STEAD_E_BAD_ADDRESS'],
    ['an upper-case app', 'session:Toaster/shop/kitchen+cart', 'STEAD_E_INVALID_NAME'],
    ['an empty id', 'session:toaster//kitchen+cart', 'STEAD_E_INVALID_NAME'],
    ['an empty key', 'session:toaster/shop/kitchen+', 'STEAD_E_INVALID_KEY'],
    ['a second +', 'session:toaster/shop/kitchen+a+b', 'STEAD_E_INVALID_KEY'],
    ['a key of 129 characters', `session:a/b/c+${'k'.repeat(129)}`, 'STEAD_E_INVALID_KEY'],
  ])('%s is refused with its code', (_what, text, code) => {
    expect(codeOf(() => parseSessionAddress(text))).toBe(code);
  });

  it('keys: names plus @, up to 128 characters, never a delimiter', () => {
    for (const key of ['a', 'cart', 'x@y', 'a.b-c_d', 'k'.repeat(128)]) expect(isValidKey(key)).toBe(true);
    for (const key of ['', '-a', 'A', 'a/b', 'a+b', 'a b', 'k'.repeat(129), 7, null]) expect(isValidKey(key)).toBe(false);
  });

  it('formatting checks the parts too', () => {
    expect(codeOf(() => formatSessionAddress({ app: 'a', id: 'b', session: null, key: 'k' }))).toBe('STEAD_E_BAD_ADDRESS');
    expect(codeOf(() => formatSessionAddress({ app: 'a', id: 'B', session: null, key: null }))).toBe('STEAD_E_INVALID_NAME');
    expect(codeOf(() => formatSessionAddress({ app: 'a', id: 'b', session: 'c', key: 'K' }))).toBe('STEAD_E_INVALID_KEY');
  });
});
