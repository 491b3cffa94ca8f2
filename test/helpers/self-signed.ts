import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSigned {
  /** PEM files, as a broker's config names them. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM, for a device's `ca`. */
  readonly cert: Buffer;
}

/**
 * A self-signed certificate for localhost and 127.0.0.1 made with the machine's openssl, in
 * `dir`: the device trusts it as its CA, so its TLS check runs for real (rejectUnauthorized).
 */
export async function makeSelfSigned(dir: string): Promise<SelfSigned> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ]);
  return { certFile, keyFile, cert: await readFile(certFile) };
}
