import { execFile } from 'node:child_process';
import { SteadError } from '../../../shared/errors.js';
import type { PinPull } from '../gpio.js';

/** sysfs has no bias setting: pulls go through Raspberry Pi OS's own `pinctrl` (package raspi-utils). */
const PULL_ARGUMENT: Record<PinPull, string> = { up: 'pu', down: 'pd', none: 'pn' };

/** `pinctrl set <line> pu|pd|pn`: pinctrl takes the header's GPIO number (the line), as the config does. */
export function setPull(command: string, line: number, pull: PinPull, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, ['set', String(line), PULL_ARGUMENT[pull]], { timeout: timeoutMs }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const message = missing ? `${command} not found: pulls need Raspberry Pi OS's pinctrl (apt install raspi-utils)` : `${command} set ${line} failed: ${String(stderr).trim()}`;
      reject(new SteadError('GPIO_IO', message, { cause: error, data: { line, pull } }));
    });
  });
}
