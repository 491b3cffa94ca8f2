import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import type { BundleReport } from '../../../hardware/index.js';
import { test } from '../../helpers/fixtures.js';
import { spawnScript, type ScriptProcess } from '../../helpers/processes.js';

const CHILD = fileURLToPath(new URL('../../helpers/bundle-child.ts', import.meta.url));

let dir: string;
const children: ScriptProcess[] = [];
test.beforeEach(({ tempDir }) => {
  dir = tempDir;
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
});

const agent = (bundle?: unknown): ScriptProcess => {
  const child = spawnScript(CHILD, [join(dir, 'data'), join(dir, 'effects'), ...(bundle === undefined ? [] : [JSON.stringify(bundle)])]);
  children.push(child);
  return child;
};

test('an agent killed -9 inside a command: after restart the recovery command fires on time, nothing runs twice', async () => {
  // `start` is relative to the child's readiness: it prints the absolute time.
  const bundle = { id: 'crash-1', start: 300, commands: [{ after: 0, method: 'on' }, { after: 200, method: 'hang' }, { after: 4000, method: 'off' }] };
  const first = agent(bundle);
  const start = Number((await first.line((line) => line.startsWith('start '))).slice('start '.length));
  await first.line((line) => line === 'ran hang');
  await first.kill();
  const killedAt = Date.now();

  const second = agent();
  const report = JSON.parse((await second.line((line) => line.startsWith('report '))).slice('report '.length)) as BundleReport;

  const effects = (await readFile(join(dir, 'effects'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { method: string; at: number; pid: number });
  expect(effects.map((effect) => effect.method)).toEqual(['on', 'hang', 'off']);
  const off = effects[2] as { at: number; pid: number };
  expect(off.pid).toBe(second.child.pid);
  expect(killedAt).toBeLessThan(start + 4000); // the kill came before the recovery command was due
  expect(off.at).toBeGreaterThanOrEqual(start + 4000);
  expect(off.at).toBeLessThan(start + 4000 + 500);
  expect(report).toMatchObject({ id: 'crash-1', status: 'completed' });
  expect(report.commands.map((command) => `${command.method}:${command.status}`)).toEqual(['on:done', 'hang:unknown', 'off:done']);
});
