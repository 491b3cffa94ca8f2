import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cliEnv } from '../helpers/cli-env.js';
import { STEAD_BIN } from '../helpers/processes.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

describe('stead broker logs (issue 10)', () => {
  // util-linux `script` runs the broker on a pseudo-terminal, as an operator's shell would.
  it.skipIf(!hasScript)('prints one readable line per entry, with the same fields, on a terminal', async () => {
    const command = `"${process.execPath}" "${STEAD_BIN}" broker --port 0 --store memory:`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], detached: true, env: cliEnv() });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('exit', () => reject(new Error(`broker exited: ${out}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (/stead broker ready on/.test(out)) resolve();
        });
      });
    } finally {
      const exited = once(child, 'exit');
      process.kill(-(child.pid as number), 'SIGTERM');
      await exited;
    }
    const ready = out.replace(ANSI, '').split(/\r?\n/).find((line) => line.includes('stead broker ready on')) ?? '';
    expect(ready).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: stead broker ready on mqtt:\/\/127\.0\.0\.1:\d+ \{"url":"mqtt:\/\/127\.0\.0\.1:\d+","listeners":\["mqtt:\/\/127\.0\.0\.1:\d+"\]\}$/);
  });
});
