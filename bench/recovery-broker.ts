/**
 * The broker child process of the recovery bench (bench/recovery.ts): a Stead broker with the
 * toaster app on a SQLite file, in a process of its own so that it can be killed with SIGKILL.
 * Started again on the same file and port, it prints one JSON line once it listens:
 * `{"url":…, "port":…, "listeningMs":…}` (milliseconds since the process started).
 *
 *   node --import tsx bench/recovery-broker.ts <sqlite file> <port, 0 for any>
 */
import { createBroker } from '../broker/index.js';
import toaster from '../examples/toaster/app.js';

const [file, port] = process.argv.slice(2);
if (file === undefined || port === undefined) throw new Error('usage: recovery-broker.ts <sqlite file> <port>');
// The whole fleet reconnects from one loopback address: the per-address pending cap (sized for
// one attacker among many devices) would stretch the storm; the total cap still holds.
const connections = { maxPendingPerAddress: 1_000_000 };
const broker = await createBroker({ port: Number(port), apps: [toaster], store: `sqlite:${file}`, connections });
process.stdout.write(`${JSON.stringify({ url: broker.url, port: broker.port, listeningMs: performance.now() })}\n`);
process.once('SIGTERM', () => void broker.close().then(() => process.exit(0)));
