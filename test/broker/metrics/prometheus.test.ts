import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type Device } from '../../../device/index.js';
import { createMemoryStore, type SteadBroker } from '../../../broker/index.js';
import { startBroker } from '../../helpers/broker.js';
import { failingStore } from '../../helpers/failing-store.js';
import { until } from '../../helpers/wait.js';
import { parseScrape, type Scrape } from '../../helpers/prometheus-text.js';

async function scrape(broker: SteadBroker): Promise<Scrape> {
  const response = await fetch(`${broker.http?.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseScrape(await response.text());
}

describe('/metrics in Prometheus text format (DESIGN §10)', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const part of open.splice(0).reverse()) await part.close();
  });
  const broker = async (options: Parameters<typeof startBroker>[0] = {}): Promise<SteadBroker> => {
    const started = await startBroker({ http: '127.0.0.1:0', ...options });
    open.push(started);
    return started;
  };
  const device = async (url: string): Promise<Device> => {
    const connected = await connectDevice({ url });
    open.push(connected);
    return connected;
  };

  it('counts calls, commits, errors, connections, proxies and sessions from real devices', async () => {
    const b = await broker();
    const [one, two] = [await device(b.url), await device(b.url)];
    const kitchen = one.session('toaster/shop-1', 'kitchen');
    const phone = two.session('toaster/shop-2', 'phone');
    for (let i = 0; i < 5; i++) await Promise.all([kitchen.call('buy', 'bread'), phone.call('buy', 'bagel')]);
    await expect(kitchen.call('nope')).rejects.toMatchObject({ code: 'STEAD_E_UNKNOWN_METHOD' });

    const m = await scrape(b);
    expect(m.value('stead_connections')).toBe(2);
    expect(m.value('stead_proxies_live')).toBe(2);
    expect(m.value('stead_proxies_loaded')).toBe(2);
    expect(m.value('stead_sessions')).toBe(2);
    // Eleven calls ran (ten buys and the unknown method); begins are not calls.
    expect(m.value('stead_call_duration_seconds_count')).toBe(11);
    expect(m.value('stead_call_duration_seconds_sum')).toBeGreaterThan(0);
    expect(m.value('stead_errors_total', { code: 'STEAD_E_UNKNOWN_METHOD' })).toBe(1);
    // Ten buys and two begins changed records; each is one proxy write.
    expect(m.value('stead_store_commits_total')).toBe(12);
    expect(m.value('stead_store_group_commit_size_sum')).toBe(12);
    expect(m.value('stead_store_commit_duration_seconds_count')).toBe(m.value('stead_store_group_commit_size_count'));
    expect(m.value('stead_session_queue_depth_count')).toBe(2);
    expect(m.value('stead_proxy_inbox_depth_count')).toBe(2);
    expect(m.value('stead_frames_received_total')).toBeGreaterThanOrEqual(13);
    expect(m.value('stead_start_time_seconds')).toBeGreaterThan(0);
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('keeps histograms cumulative and names per Prometheus conventions, with no label per device or proxy', async () => {
    const b = await broker();
    const d = await device(b.url);
    for (let i = 0; i < 20; i++) await d.session(`toaster/shop-${i}`, `s${i}`).call('buy', 'bread');
    const text = await (await fetch(`${b.http?.url}/metrics`)).text();
    const m = parseScrape(text);
    for (const name of ['stead_call_duration_seconds', 'stead_store_commit_duration_seconds', 'stead_store_group_commit_size', 'stead_proxy_inbox_depth']) {
      expect(m.types.get(name)).toBe('histogram');
      const buckets = m.all(`${name}_bucket`);
      const counts = buckets.map((s) => s.value);
      expect(counts).toEqual([...counts].sort((x, y) => x - y));
      expect(buckets.at(-1)?.labels.le).toBe('+Inf');
      expect(buckets.at(-1)?.value).toBe(m.value(`${name}_count`));
    }
    for (const [name, type] of m.types) {
      if (!name.startsWith('stead_')) continue;
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    expect(m.value('stead_proxy_inbox_depth_count')).toBe(20);
    // Cardinality stays bounded: no proxy id, session or client id ever appears in a label.
    expect(text).not.toMatch(/shop-\d|"s\d+"/);
    const labels = new Set(m.samples.filter((s) => s.name.startsWith('stead_')).flatMap((s) => Object.keys(s.labels)));
    expect([...labels].sort()).toEqual(['code', 'le'].filter((l) => labels.has(l)));
  });

  it('counts dropped frames by reason', async () => {
    const b = await broker();
    const d = await device(b.url);
    await d.session('toaster/shop-1', 'kitchen').call('buy', 'bread');
    const raw = await connectAsync(b.url, { reconnectPeriod: 0 });
    await raw.publishAsync('stead/toaster/shop-1/kitchen/extra/in', Buffer.from([1]), { qos: 1 });
    await raw.endAsync();
    await until(() => b.metrics.get('dropped.bad_topic') > 0, 5000, 'the drop');
    const m = await scrape(b);
    expect(m.value('stead_dropped_frames_total', { reason: 'bad_topic' })).toBeGreaterThanOrEqual(1);
  });

  it('counts refused CONNECTs by reason on a broker with keys', async () => {
    const b = await broker({ auth: {} });
    await expect(connectAsync(b.url, { reconnectPeriod: 0, clientId: 'nobody' })).rejects.toThrow();
    await expect(connectAsync(b.url, { reconnectPeriod: 0, clientId: 'ghost', username: 'ghost', password: 'v1.0.AAAA.AAAA' })).rejects.toThrow();
    const m = await scrape(b);
    expect(m.value('stead_auth_refused_total', { reason: 'anonymous' })).toBe(1);
    // A device id no key has is refused as unknown before its token is even read.
    expect(m.value('stead_auth_refused_total', { reason: 'unknown' })).toBe(1);
  });

  it('is off unless asked for, and binds to loopback by default', async () => {
    const off = await startBroker();
    open.push(off);
    expect(off.http).toBeNull();
    const on = await broker({ http: ':0' });
    expect(on.http?.host).toBe('127.0.0.1');
  });

  it('fails start-up on a taken HTTP port and closes what it opened', async () => {
    const first = await broker();
    const store = failingStore(createMemoryStore());
    await expect(startBroker({ http: `127.0.0.1:${first.http?.port}`, store })).rejects.toMatchObject({ code: 'STEAD_E_START_FAILED', data: { step: 'http', system: 'EADDRINUSE' } });
    await store.close();
    await expect(startBroker({ http: 'nonsense' })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });
});

describe('/healthz: the broker accepts connections and the store commits', () => {
  it('answers 200 while both hold, and 503 once a store commit has failed', async () => {
    const store = failingStore(createMemoryStore());
    const b = await startBroker({ http: '127.0.0.1:0', store });
    const d = await connectDevice({ url: b.url });
    try {
      const shop = d.session('toaster/shop-1', 'kitchen');
      await shop.call('buy', 'bread');
      const healthy = await fetch(`${b.http?.url}/healthz`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toEqual({ ok: true, mqtt: true, store: true });

      store.failCommits('before');
      const failed = store.stats.failures;
      void shop.call('buy', 'bread').catch(() => undefined);
      await store.reached('failures', failed + 1);
      const sick = await fetch(`${b.http?.url}/healthz`);
      expect(sick.status).toBe(503);
      expect(await sick.json()).toEqual({ ok: false, mqtt: true, store: false });

      store.failCommits(null);
      await shop.call('buy', 'bread');
      expect((await fetch(`${b.http?.url}/healthz`)).status).toBe(200);
    } finally {
      await d.close();
      await b.close();
      await store.close();
    }
  });
});
