import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidName } from '../../shared/names.js';
import { streamEvents } from './event-stream.js';
import type { HttpSources } from './http-sources.js';
import { serveAsset } from './assets.js';

/**
 * The listener's routes, one `switch`: `/metrics` and `/healthz` are open (scrapers and
 * probes, on loopback unless configured otherwise); `/api/…` and the dashboard's data need the
 * admin credential. The dashboard's files themselves hold nothing secret.
 */
export async function route(sources: HttpSources, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // DNS rebinding: a foreign name resolving here is answered with nothing but this refusal.
  if (!sources.hostAllowed(request.headers.host)) {
    sources.count('auth.refused.http_host');
    return json(response, 421, { code: 'STEAD_E_REFUSED', message: 'this listener does not answer to that host name' });
  }
  const url = new URL(request.url ?? '/', 'http://stead');
  const path = url.pathname;
  if (request.method === 'POST' && path === '/api/login') return login(sources, request, response);
  if (request.method !== 'GET') return json(response, 405, { code: 'STEAD_E_BAD_OPTIONS', message: 'GET only' });
  switch (path) {
    case '/metrics': {
      const text = await sources.exporter.scrape();
      response.writeHead(200, { 'content-type': sources.exporter.contentType });
      return void response.end(text);
    }
    case '/healthz': {
      const health = await sources.health();
      return json(response, health.ok ? 200 : 503, health);
    }
    case '/':
      response.writeHead(302, { location: '/dashboard/' });
      return void response.end();
  }
  if (path.startsWith('/dashboard/')) return serveAsset(path.slice('/dashboard/'.length) || 'index.html', response);
  if (!path.startsWith('/api/')) return json(response, 404, { code: 'STEAD_E_BAD_OPTIONS', message: `no route ${path}` });
  const credential = sources.admin.check(request, request.socket.remoteAddress ?? '');
  if (credential === 'throttled') return refuse(sources, response, 429, 'http_throttled', 'too many wrong tokens from this address; wait');
  if (credential === 'wrong') return refuse(sources, response, 401, 'http_token', 'wrong admin token');
  if (credential === 'missing') {
    return json(response, 401, { code: 'STEAD_E_REFUSED', message: sources.admin.configured ? 'admin credential required' : 'no admin token is configured' });
  }
  return admin(sources, path, url.searchParams, request, response);
}

async function admin(sources: HttpSources, path: string, params: URLSearchParams, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (path === '/api/status') return json(response, 200, sources.status());
  if (path === '/api/proxies') return json(response, 200, sources.proxies(params.get('q') ?? '', Number(params.get('limit') ?? 200) || 200));
  if (path === '/api/events') return streamEvents(sources, params.get('proxy'), request, response);
  const key = path.slice('/api/proxies/'.length);
  const [app, id, ...rest] = key.split('/');
  if (!path.startsWith('/api/proxies/') || rest.length > 0 || !app || !id || !isValidName(app) || !isValidName(id)) {
    return json(response, 404, { code: 'STEAD_E_INVALID_NAME', message: `not a proxy address: ${key}` });
  }
  const view = await sources.inspect(`${app}/${id}`);
  if (!view) return json(response, 404, { code: 'STEAD_E_UNKNOWN_PROXY', message: `no proxy ${app}/${id} is hosted or stored` });
  return json(response, 200, view);
}

/**
 * `POST /api/login`: JSON from the dashboard's own origin only. A cross-origin page cannot send
 * `application/json` without a preflight this listener never answers, and a browser names the
 * page's origin; so a foreign page cannot guess on the admin's behalf (nor spend its address's
 * allowance of wrong guesses).
 */
async function login(sources: HttpSources, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return refuse(sources, response, 415, 'signin_type', 'sign-in takes application/json');
  if (!isSameOrigin(request)) return refuse(sources, response, 403, 'signin_origin', 'sign-in from another origin');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) return json(response, 413, { code: 'STEAD_E_BAD_OPTIONS', message: 'login body too large' });
    chunks.push(chunk);
  }
  let token = '';
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && 'token' in body && typeof body.token === 'string') token = body.token;
  } catch {
    token = '';
  }
  const cookie = sources.admin.login(token, request.socket.remoteAddress ?? '');
  if (cookie === 'throttled') return refuse(sources, response, 429, 'signin_throttled', 'too many wrong tokens from this address; wait');
  if (!cookie) return refuse(sources, response, 401, 'signin', 'wrong admin token');
  response.setHeader('set-cookie', cookie);
  return json(response, 200, { ok: true });
}

/** Same origin: the `Origin` a browser sends names this host, and `Sec-Fetch-Site` (when sent) agrees. */
function isSameOrigin(request: IncomingMessage): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host ?? '';
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** A refusal, counted as `auth.refused.<reason>`. */
function refuse(sources: HttpSources, response: ServerResponse, status: number, reason: string, message: string): void {
  sources.count(`auth.refused.${reason}`);
  json(response, status, { code: 'STEAD_E_REFUSED', message });
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
