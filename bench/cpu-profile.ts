import { writeFile, mkdir } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * `--cpu-prof <dir>`: profiles this (the broker's) process around the round trips, the same
 * format as `node --cpu-prof`, so the broker side can be read in Chrome DevTools or speedscope.
 * The clients child gets `--cpu-prof` itself.
 */
export async function startCpuProfile(): Promise<(dir: string) => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (dir) => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(dir, { recursive: true });
    const path = join(dir, `broker-${Date.now()}.cpuprofile`);
    await writeFile(path, JSON.stringify(profile));
    return path;
  };
}
