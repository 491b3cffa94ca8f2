/**
 * A device as its own process, for the device-crash test (DESIGN §4: "if the device process
 * itself dies, it starts over with begin, gets the memento and resumes after it").
 * Usage: node --import tsx spree-device.ts <url> <app/id> <session> <item> <count>
 * Prints `begun <json>`, then `committed <index> <reply>` per buy, then `done`.
 */
import { connectDevice } from '../../device/index.js';

const [url, proxy, name, item, countText] = process.argv.slice(2);
if (!url || !proxy || !name || !item || !countText) throw new Error('usage: spree-device.ts <url> <app/id> <session> <item> <count>');
const count = Number(countText);

// A key when the broker requires one (spawnScript passes the test key as $STEAD_KEY).
const device = await connectDevice({ url, key: process.env.STEAD_KEY, reconnect: { initialMs: 20, maxMs: 500 } });
const shop = device.session(proxy, name, { autoBegin: false });
const begun = await shop.begin();
process.stdout.write(`begun ${JSON.stringify(begun)}\n`);
// The memento is the index of the last committed buy; resume right after it.
const first = typeof begun.memento === 'number' ? begun.memento + 1 : 0;
for (let i = first; i < count; i++) {
  const reply = await shop.call('buy', item, i);
  process.stdout.write(`committed ${i} ${JSON.stringify(reply)}\n`);
}
process.stdout.write('done\n');
await device.close();
