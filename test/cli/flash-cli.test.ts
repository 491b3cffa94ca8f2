import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { runStead, spawnBroker } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

const GADGET = fileURLToPath(new URL('../device/agent/fixtures/lamp-gadget.ts', import.meta.url));

describe('stead flash (the compiled command)', () => {
  let dir = '';
  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });

  test('into a folder: makes the key, registers it in the store, writes the files; again: reuses the key and writes nothing', async () => {
    const args = ['flash', '--device', 'lamp-1', '--broker', 'mqtt://127.0.0.1:1883', '--target', join(dir, 'root'), '--gadget', GADGET];
    const flags = ['--key', join(dir, 'lamp-1.key'), '--store', `sqlite:${join(dir, 'stead.db')}`];
    const first = await runStead([...args, ...flags]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^key +made /m);
    expect(first.stdout).toMatch(/^register +public key registered with the broker for lamp\/lamp-1$/m);
    expect(first.stdout.match(/^file +written /gm)).toHaveLength(4);
    expect((await stat(join(dir, 'root/opt/stead/keys/lamp-1.key'))).mode & 0o777).toBe(0o600);
    const listed = await runStead(['keys', 'ls', '--store', `sqlite:${join(dir, 'stead.db')}`]);
    expect(JSON.parse(listed.stdout)).toMatchObject({ device: 'lamp-1', proxies: ['lamp/lamp-1'], revokedAt: null });

    const second = await runStead([...args, ...flags]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^key +reused /m);
    expect(second.stdout.match(/^file +unchanged /gm)).toHaveLength(4);
  });

  test('with --store of a running broker: registers the key beside it, and the broker lets the device in', async () => {
    const store = `sqlite:${join(dir, 'stead.db')}`;
    const broker = await spawnBroker(['--store', store, '--app', 'examples/toaster/app.ts']);
    try {
      const reads = (): number => broker.logs.filter((l) => l.msg === 'key registry changed').length;
      const before = reads();
      const keyFile = join(dir, 'lamp-1.key');
      const args = ['flash', '--device', 'lamp-1', '--broker', broker.url, '--target', join(dir, 'root'), '--gadget', GADGET, '--proxy', 'toaster/lamp-1'];
      const flashed = await runStead([...args, '--key', keyFile, '--store', store]);
      expect(flashed.stderr).toBe('');
      expect(flashed.stdout).toMatch(/^register +public key registered with the broker for toaster\/lamp-1$/m);
      await until(() => reads() > before, 5000, 'the broker to read the registry');
      const call = ['call', '--broker', broker.url, '--journal', join(dir, 'journal'), 'toaster/lamp-1', 'cli', 'buy', '["bread"]'];
      expect(await runStead(call, { STEAD_KEY: keyFile })).toMatchObject({ code: 0, stdout: '1\n' });
    } finally {
      expect(await broker.stop()).toBe(0);
    }
  });

  test('over ssh, --dry-run: prints the ssh and scp commands and the grant to run on the broker host, writes nothing', async () => {
    const result = await runStead([
      'flash', '--device', 'lamp-1', '--broker', 'mqtts://gadgets.example:8883', '--target', 'ssh://pi@lamp-1.local:2222/',
      '--gadget', GADGET, '--key', join(dir, 'lamp-1.key'), '--dry-run',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^register +not registered from here; on the broker's host run: stead keys grant lamp-1 --public-key [A-Za-z0-9_-]{43} --proxy lamp\/lamp-1$/m);
    const ssh = result.stdout.split('\n').filter((line) => line.startsWith('ssh '));
    expect(ssh).toHaveLength(3);
    expect(ssh[0]).toMatch(/^ssh +ssh -p 2222 pi@lamp-1\.local /);
    expect(ssh[1]).toMatch(/^ssh +scp -P 2222 -r \S+\/opt \S+\/etc pi@lamp-1\.local:\.stead-flash\/$/);
    expect(ssh[2]).toContain('install -D -m 600');
    expect(ssh[2]).toContain('systemctl restart stead-agent');
    await expect(stat(join(dir, 'lamp-1.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('over ssh: the printed commands, run by stand-ins for ssh, scp, sudo and systemctl, install the files; a second flash changes none', async () => {
    const bin = join(dir, 'bin');
    const home = join(dir, 'home');
    await mkdir(bin);
    await mkdir(home);
    // The "remote" host is this machine: ssh runs its command in a fake home, scp copies there.
    const tools: Record<string, string> = {
      ssh: `[ "$1" = -p ] && shift 2\nshift\ncd "${home}" && exec sh -c "$*"`,
      scp: `[ "$1" = -P ] && shift 2\n[ "$1" = -r ] && shift\nwhile [ $# -gt 1 ]; do cp -r "$1" "${home}/.stead-flash/"; shift; done`,
      sudo: 'exec "$@"',
      systemctl: `echo "$*" >> "${home}/systemctl.log"`,
    };
    for (const [name, body] of Object.entries(tools)) {
      await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
      await chmod(join(bin, name), 0o755);
    }
    const remoteRoot = join(dir, 'remote-root');
    const args = ['flash', '--device', 'lamp-1', '--broker', 'mqtt://gadgets.example:1883', '--target', `ssh://pi@lamp-1.local:2222${remoteRoot}`, '--gadget', GADGET, '--key', join(dir, 'lamp-1.key')];
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const first = await runStead(args, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const key = join(remoteRoot, 'opt/stead/keys/lamp-1.key');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(join(remoteRoot, 'opt/stead/keys'))).mode & 0o777).toBe(0o700);
    expect(await readFile(key, 'utf8')).toBe(await readFile(join(dir, 'lamp-1.key'), 'utf8'));
    expect(await readFile(join(remoteRoot, 'etc/systemd/system/stead-agent.service'), 'utf8')).toContain('Type=notify');
    const before = await stat(join(remoteRoot, 'opt/stead/agent.mjs'));

    expect((await runStead(args, env)).code).toBe(0);
    expect((await stat(join(remoteRoot, 'opt/stead/agent.mjs'))).mtimeMs).toBe(before.mtimeMs);
    expect((await readFile(join(home, 'systemctl.log'), 'utf8')).split('\n').filter(Boolean)).toEqual(
      Array(2).fill(['daemon-reload', 'enable stead-agent', 'restart stead-agent']).flat(),
    );
    await expect(stat(join(home, '.stead-flash'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
