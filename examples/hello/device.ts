// Prints the notifications of one session of proxy hello/world.
// Usage: npx tsx examples/hello/device.ts [client1|client2] [mqtt://127.0.0.1:1883]
// Signs its CONNECT with the key `npm start` made and granted (data/dev.key), or $STEAD_KEY's.
import { connectDevice } from '../../device/index.js';

const sessionName = process.argv[2] ?? 'client1';
const key = process.env.STEAD_KEY ?? 'data/dev.key';
const device = await connectDevice({ url: process.argv[3] ?? 'mqtt://127.0.0.1:1883', key });
const hello = device.session('hello/world', sessionName);
hello.onNotify((payload, { seq, dropped }) => console.log(`${sessionName} #${seq}`, payload, dropped ? `(${dropped} dropped)` : ''));
console.log('counter is', await hello.call('counter'));
process.once('SIGINT', () => void device.close().then(() => process.exit(0)));
