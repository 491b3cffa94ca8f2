import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerOptions, SteadBroker } from '../../broker/index.js';
import { startBroker } from '../helpers/broker.js';
import { codeOfAsync } from '../helpers/errors.js';
import { HonestDevice } from '../helpers/honest-device.js';

/**
 * The HTTP listener under attack (docs/operations.md): wrong credentials are throttled per
 * address with backoff, Bearer tokens like sign-ins; sign-in takes JSON from the dashboard's own
 * origin only; a foreign `Host` (DNS rebinding) gets nothing; asset names are not object keys;
 * a short admin token refuses to start; a listener beyond loopback warns. Each refusal is counted
 * as `auth.refused.<reason>`. The honest device calls throughout, its counter exact.
 */
const TOKEN = 'a-right-admin-token-0123456789abcdef';

interface Answer {
  readonly status: number;
  readonly body: string;
}

describe('the HTTP listener under attack', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;

  async function start(options: BrokerOptions = {}): Promise<void> {
    broker = await startBroker({ auth: {}, http: '127.0.0.1:0', adminToken: TOKEN, ...options });
    honest = await HonestDevice.start(broker);
  }

  afterEach(async () => {
    await honest.device.close();
    await broker.close();
  });

  /** One request from `from` (a loopback address of its own, so addresses can differ on one machine). */
  function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Answer> {
    const port = broker.http?.port ?? 0;
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.from ?? '127.0.0.1', agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end(options.body);
    });
  }

  const signIn = (token: string, headers: Record<string, string> = {}, from?: string): Promise<Answer> =>
    send('/api/login', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }), from });
  const bearer = (token: string, from?: string): Promise<Answer> => send('/api/status', { headers: { authorization: `Bearer ${token}` }, from });

  it('ten sign-ins from a foreign origin are refused unread; the admin then signs in', async () => {
    await start();
    for (let i = 0; i < 10; i++) expect((await signIn(`guess-${i}`, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(broker.metrics.get('auth.refused.signin_origin')).toBe(10);
    const port = broker.http?.port ?? 0;
    expect((await signIn(TOKEN, { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    await honest.stop(3);
  });

  it('a sign-in that is not JSON is refused (a form post from another page)', async () => {
    await start();
    const answer = await send('/api/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}` });
    expect(answer.status).toBe(415);
    expect(broker.metrics.get('auth.refused.signin_type')).toBe(1);
    await honest.stop(3);
  });

  it('wrong sign-ins and Bearer guesses from one address make it wait (even with the right token); another address is not held up', async () => {
    await start();
    for (let i = 0; i < 3; i++) expect((await signIn(`guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await bearer(`guess-${i}`)).status).toBe(401);
    expect(broker.metrics.get('auth.refused.signin')).toBe(3);
    expect(broker.metrics.get('auth.refused.http_token')).toBe(3);
    expect((await bearer(TOKEN)).status).toBe(429);
    expect((await signIn(TOKEN)).status).toBe(429);
    expect(broker.metrics.get('auth.refused.http_throttled')).toBe(1);
    expect(broker.metrics.get('auth.refused.signin_throttled')).toBe(1);
    expect((await bearer(TOKEN, '127.0.0.2')).status).toBe(200);
    await honest.stop(3);
  });

  it('a foreign Host (DNS rebinding) reads neither /metrics nor /healthz; the listener’s own names do', async () => {
    await start({ httpHosts: ['broker.internal'] });
    const port = broker.http?.port ?? 0;
    for (const path of ['/metrics', '/healthz', '/api/status']) {
      expect((await send(path, { headers: { host: `rebind.evil.example:${port}`, authorization: `Bearer ${TOKEN}` } })).status).toBe(421);
    }
    expect(broker.metrics.get('auth.refused.http_host')).toBe(3);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `broker.internal:${port}`]) expect((await send('/metrics', { headers: { host } })).status).toBe(200);
    await honest.stop(3);
  });

  it('asset names that are object keys are not found (404, nothing logged as a failure)', async () => {
    await start();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect((await send(`/dashboard/${name}`)).status).toBe(404);
    expect((await send('/dashboard/dashboard.js')).status).toBe(200);
    await honest.stop(3);
  });

  it('a listener beyond loopback starts with a warning', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    await start({ http: '0.0.0.0:0', logger: pino({ level: 'warn' }, sink) });
    expect(lines.some((line) => line.includes('beyond loopback'))).toBe(true);
    await honest.stop(3);
  });
});

describe('the admin token', () => {
  it('a token shorter than 32 characters refuses to start (BAD_OPTIONS)', async () => {
    expect(await codeOfAsync(() => startBroker({ http: '127.0.0.1:0', adminToken: 'short-token-0123456789' }))).toBe('STEAD_E_BAD_OPTIONS');
  });
});
