import { access, constants, writeFile } from 'node:fs/promises';
import type { Clock } from '../../../shared/clock.js';
import { SteadError } from '../../../shared/errors.js';

/** Waits `ms` on the injected clock. */
export const delay = (clock: Clock, ms: number): Promise<void> => new Promise((resolve) => void clock.setTimeout(resolve, ms));

/** Writes one sysfs attribute; a failure is GPIO_IO naming the file. */
export async function writeAttribute(path: string, value: string): Promise<void> {
  try {
    await writeFile(path, value);
  } catch (cause) {
    throw new SteadError('GPIO_IO', `could not write ${JSON.stringify(value)} to ${path}`, { cause, data: { path } });
  }
}

/**
 * Waits until a freshly exported pin's files are writable. The kernel makes them at once, but
 * on Raspberry Pi OS udev then hands them to the `gpio` group, so a non-root agent sees them a
 * little later.
 */
export async function waitWritable(path: string, clock: Clock, timeoutMs: number): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    try {
      await access(path, constants.W_OK);
      return;
    } catch (cause) {
      if (clock.now() >= deadline) throw new SteadError('GPIO_IO', `${path} did not become writable within ${timeoutMs} ms of export`, { cause, data: { path } });
      await delay(clock, 5);
    }
  }
}
