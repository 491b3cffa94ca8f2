import { isErrorCode, SteadError } from '../../shared/errors.js';
import { parseProxyAddress } from '../../shared/names.js';
import type { ProxyView } from '../proxy/proxy-view.js';
import type { StatusReport } from './admin-types.js';

export interface AdminClientOptions {
  /** The broker's HTTP listener, `http://127.0.0.1:9464` (`stead broker --http`). */
  broker: string;
  /** The admin token the broker was given. */
  token: string;
  /** Give up after this many ms; default 5000. */
  timeoutMs?: number;
}

/** What `stead status` prints: the live system at a glance. */
export function brokerStatus(options: AdminClientOptions): Promise<StatusReport> {
  return getJson<StatusReport>(options, '/api/status');
}

/** What `stead proxy inspect <app>/<id>` prints: from the live proxy, or from the store. */
export async function inspectProxy(options: AdminClientOptions & { proxy: string }): Promise<ProxyView> {
  const { app, id } = parseProxyAddress(options.proxy);
  return getJson<ProxyView>(options, `/api/proxies/${app}/${id}`);
}

/** The admin API's errors arrive as `{ code, message }` and are thrown as the SteadError they name. */
async function getJson<T>(options: AdminClientOptions, path: string): Promise<T> {
  let base: URL;
  try {
    base = new URL(options.broker);
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', `--broker must be the broker's http URL, got ${options.broker}`, { cause });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new SteadError('BAD_OPTIONS', `--broker must be an http(s) URL, got ${options.broker}`);
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      headers: { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (cause) {
    throw new SteadError('UNREACHABLE', `no answer from ${base.origin}`, { cause });
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) return body as T;
  const code = body && typeof body === 'object' && 'code' in body ? body.code : null;
  const message = body && typeof body === 'object' && 'message' in body && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
  throw new SteadError(isErrorCode(code) ? code : 'REFUSED', message);
}
