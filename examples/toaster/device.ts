// Buys a few items from shop toaster/shop-1 and prints the counters.
// Usage: npx tsx examples/toaster/device.ts [mqtt://127.0.0.1:1883]
import { connectDevice } from '../../device/index.js';

const device = await connectDevice({ url: process.argv[2] ?? 'mqtt://127.0.0.1:1883' });
const shop = device.session('toaster/shop-1', 'kitchen');
const { memento, crashed } = await shop.begin();
console.log('begun', { memento, crashed });
for (const [index, item] of ['bread', 'bagel', 'bread'].entries()) {
  console.log(item, '→', await shop.call('buy', item, index));
}
console.log('counters', await shop.call('counters'));
await shop.end();
await device.close();
