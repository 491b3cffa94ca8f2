/** Names a loopback listener answers to. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
/** Addresses that mean "every interface": no name of their own. */
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** True for a host on the loopback interface. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * The `Host` header check of the HTTP listener (DNS rebinding: a page on an attacker's name
 * that resolves to the listener must not read `/metrics` or `/healthz`). Accepted: the loopback
 * names, the listener's own host, and the names configured (`httpHosts`).
 */
export function hostChecker(listenHost: string, names: readonly string[] = []): (header: string | undefined) => boolean {
  const allowed = new Set([...LOOPBACK, ...names.map((name) => name.toLowerCase())]);
  if (!WILDCARDS.has(listenHost)) allowed.add(listenHost.toLowerCase());
  return (header) => header !== undefined && allowed.has(hostName(header));
}

/** The name of a Host header without its port: `[::1]:9464` → `::1`. */
function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}
