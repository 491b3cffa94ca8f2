import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device } from '../../../device/index.js';
import { startBroker } from '../../helpers/broker.js';

const TOKEN = 'dashboard-test-token-0123456789abcdef';
const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url);
/** Debian's chromium package (.ci/run installs it); CHROMIUM_PATH names another. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));

/** Devices calling their proxies until stopped, a call every few ms each: a fleet at work. */
function keepCalling(devices: readonly Device[]): () => Promise<void> {
  let running = true;
  const loops = devices.map(async (device, i) => {
    const shop = device.session(`toaster/shop-${i + 1}`, 'kitchen');
    while (running) {
      await shop.call('buy', 'bread');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

/** Page-side expressions are strings: the tests are type-checked without the DOM library. */
const CALLS_TOTAL = `Number(document.querySelector('#calls-total').textContent)`;

const numberIn = (page: Page, selector: string): Promise<number> => page.$eval(selector, (node) => Number(node.textContent));

describe('the dashboard in a real headless Chromium (issue 10)', () => {
  let broker: SteadBroker;
  let devices: Device[];
  let stop: () => Promise<void>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error('no chromium: apt-get install chromium, or set CHROMIUM_PATH');
    broker = await startBroker({ http: '127.0.0.1:0', adminToken: TOKEN, historyEveryMs: 250 });
    devices = await Promise.all([1, 2, 3].map(() => connectDevice({ url: broker.url })));
    // One refused call, so that the errors table has a row.
    await devices[0]?.session('toaster/shop-1', 'errors').call('nope').catch(() => undefined);
    stop = keepCalling(devices);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    for (const device of devices ?? []) await device.close();
    await broker?.close();
  });

  it('asks for the admin token, then shows the fleet with numbers that change live', async () => {
    await page.goto(`${broker.http?.url}/dashboard/`);
    await page.waitForSelector('#login:not([hidden])');
    await page.locator('#token').fill('wrong');
    await page.click('#login button');
    await page.waitForSelector('#login-error:not([hidden])');
    await page.locator('#token').fill(TOKEN);
    await page.click('#login button');
    await page.waitForSelector('#overview:not([hidden])');

    await page.waitForFunction(`${CALLS_TOTAL} > 0`);
    const first = await numberIn(page, '#calls-total');
    await page.waitForFunction(`${CALLS_TOTAL} > ${first}`);
    expect(await numberIn(page, '#connections')).toBe(3);
    expect(await page.$eval('#proxies', (node) => node.textContent)).toBe('3 / 3');
    await page.waitForFunction(`Number(document.querySelector('#calls-rate').textContent) > 0`);
    await page.waitForFunction(`(document.querySelector('#chart-calls path.line').getAttribute('d') ?? '').includes('L')`);
    await page.waitForFunction(`/ms$/.test(document.querySelector('#p99').textContent)`);
    await page.waitForFunction(`document.querySelectorAll('#proxy-list tbody tr').length === 3`);
    expect(await page.$eval('#errors tbody', (node) => node.textContent)).toBe('STEAD_E_UNKNOWN_METHOD1');
    await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname });
  }, 60_000);

  it('finds a proxy by search and opens its page: sessions, timers and recent events, live', async () => {
    await page.type('#search', 'shop-2');
    await page.waitForFunction(`(() => {
      const rows = [...document.querySelectorAll('#proxy-list tbody tr')];
      return rows.length === 1 && rows[0].textContent.includes('toaster/shop-2');
    })()`);
    // A locator retries: the list is redrawn on every tick, so a link found may be replaced before the click.
    await page.locator('#proxy-list tbody a').click();
    await page.waitForSelector('#proxy:not([hidden])');
    expect(page.url()).toMatch(/#\/proxy\/toaster\/shop-2$/);
    await page.waitForFunction(`document.querySelector('#proxy-key').textContent === 'toaster/shop-2'`);
    await page.waitForFunction(`/^kitchen[0-9a-f]{8}\\d+/.test(document.querySelector('#sessions-table tbody tr')?.textContent ?? '')`);
    // The seq moves while the device calls: the page lists it as it happens.
    await page.waitForFunction(`[...document.querySelectorAll('#events li')].some((li) => /session kitchen: seq \\d+ → \\d+/.test(li.textContent))`);
    await page.screenshot({ path: new URL('dashboard-proxy.png', ARTIFACTS).pathname });
  }, 60_000);
});
