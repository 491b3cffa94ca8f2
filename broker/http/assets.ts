import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/**
 * The dashboard's files, served as they are: no build step. A Map, not an object: a request
 * for `constructor` or `__proto__` must find nothing, not an inherited property.
 */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['dashboard.js', 'text/javascript; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
]);

const FOLDER = new URL('../dashboard/', import.meta.url);

export async function serveAsset(name: string, response: ServerResponse): Promise<void> {
  const type = ASSETS.get(name);
  if (!type) {
    response.writeHead(404, { 'content-type': 'text/plain' });
    return void response.end('not found');
  }
  const body = await readFile(new URL(name, FOLDER));
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
  response.end(body);
}
