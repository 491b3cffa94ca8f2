import { Writable } from 'node:stream';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice } from '../../../device/index.js';
import { startBroker } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';

interface Line {
  msg: string;
  code?: string;
  proxy?: string;
  session?: string;
  instance?: string | null;
  suppressed?: number;
}

/** A broker whose log lines are kept, with a rate-limit window the test closes by hand. */
async function loggedBroker(): Promise<{ broker: SteadBroker; lines: Line[] }> {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const broker = await startBroker({ logger: pino({ level: 'warn' }, sink), refusalLog: { windowMs: 60_000, perCode: 3 } });
  return { broker, lines };
}

const refusals = (lines: Line[], code: string): Line[] => lines.filter((l) => l.msg === 'request refused' && l.code === code);

describe('refusals in the log: each once with its code, never per packet in a flood (issue 10)', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const part of open.splice(0).reverse()) await part.close();
  });

  it('logs a flood of bad frames from one session once, then one summary line', async () => {
    const { broker, lines } = await loggedBroker();
    open.push(broker);
    const raw = await connectAsync(broker.url, { reconnectPeriod: 0 });
    open.push({ close: () => raw.endAsync() });
    for (let i = 0; i < 300; i++) raw.publish('stead/toaster/shop-1/s1/in', Buffer.from([0xff, i & 0xff]), { qos: 0 });
    await until(() => broker.metrics.get('STEAD_E_MALFORMED_FRAME') >= 300, 10_000, 'the flood');
    expect(refusals(lines, 'STEAD_E_MALFORMED_FRAME')).toEqual([
      expect.objectContaining({ proxy: 'toaster/shop-1', session: 's1' }),
    ]);
    await broker.close();
    expect(lines.filter((l) => l.msg === 'more refusals of this code were not logged')).toEqual([
      expect.objectContaining({ code: 'STEAD_E_MALFORMED_FRAME', suppressed: 299 }),
    ]);
  });

  it('logs at most a few distinct sessions per code and window', async () => {
    const { broker, lines } = await loggedBroker();
    open.push(broker);
    const raw = await connectAsync(broker.url, { reconnectPeriod: 0 });
    open.push({ close: () => raw.endAsync() });
    for (let i = 0; i < 50; i++) raw.publish(`stead/toaster/shop-${i}/s/in`, Buffer.from([0xff]), { qos: 0 });
    await until(() => broker.metrics.get('STEAD_E_MALFORMED_FRAME') >= 50, 10_000, 'the frames');
    expect(refusals(lines, 'STEAD_E_MALFORMED_FRAME')).toHaveLength(3);
  });

  it('logs a fenced instance once, with a fingerprint of its nonce', async () => {
    const { broker, lines } = await loggedBroker();
    open.push(broker);
    const [first, second] = [await connectDevice({ url: broker.url }), await connectDevice({ url: broker.url })];
    open.push(first, second);
    const old = first.session('toaster/shop-1', 'kitchen');
    await old.begin();
    await second.session('toaster/shop-1', 'kitchen').begin();
    for (let i = 0; i < 3; i++) await expect(old.call('buy', 'bread')).rejects.toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
    const fenced = refusals(lines, 'STEAD_E_STALE_INSTANCE');
    expect(fenced).toEqual([expect.objectContaining({ proxy: 'toaster/shop-1', session: 'kitchen', instance: expect.stringMatching(/^[0-9a-f]{8}$/) })]);
  });
});
