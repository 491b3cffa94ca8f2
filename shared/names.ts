import { SteadError } from './errors.js';

/** DESIGN §3: app, id and session names are `[a-z0-9][a-z0-9_.-]{0,63}`. */
const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** A topic root: one or more MQTT-safe levels, no wildcards, no `$` start. */
const ROOT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

export type NameKind = 'app' | 'id' | 'session';

export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value);
}

export function assertName(kind: NameKind, value: unknown): asserts value is string {
  if (!isValidName(value)) {
    throw new SteadError('INVALID_NAME', `invalid ${kind} name ${JSON.stringify(value)}: use [a-z0-9][a-z0-9_.-]{0,63}`);
  }
}

export function isValidRoot(value: unknown): value is string {
  return typeof value === 'string' && ROOT.test(value) && value.length <= 128;
}

export function assertRoot(value: unknown): asserts value is string {
  if (!isValidRoot(value)) {
    throw new SteadError('INVALID_NAME', `invalid topic root ${JSON.stringify(value)}`);
  }
}

/** A proxy address `<app>/<id>`. */
export interface ProxyAddress {
  app: string;
  id: string;
}

export function parseProxyAddress(address: string): ProxyAddress {
  const slash = address.indexOf('/');
  const app = slash < 0 ? address : address.slice(0, slash);
  const id = slash < 0 ? '' : address.slice(slash + 1);
  assertName('app', app);
  assertName('id', id);
  return { app, id };
}
