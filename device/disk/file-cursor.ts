import { readFile } from 'node:fs/promises';
import { SteadError } from '../../shared/errors.js';
import { toHex } from '../../shared/bytes.js';
import { isPosition, type NotificationCursor, type NotificationPosition } from '../session/notification-cursor.js';
import { writeFileAtomic } from '../../shared/atomic-write.js';

/**
 * A notification cursor in a small JSON file (`{"epoch":"<hex>","seq":12}`), replaced
 * atomically on every save. The session saves it after a notification's handlers returned and
 * before its ack: across a crash, at most the notification that was in flight is handled again.
 */
export function fileCursor(path: string): NotificationCursor {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      return parse(path, text);
    },
    save: (position) => writeFileAtomic(path, `${JSON.stringify({ epoch: toHex(position.epoch), seq: position.seq })}\n`),
  };
}

function parse(path: string, text: string): NotificationPosition {
  let position: unknown;
  try {
    const stored = JSON.parse(text) as { epoch?: unknown; seq?: unknown };
    const epoch = typeof stored.epoch === 'string' && /^([0-9a-f]{2})+$/.test(stored.epoch) ? Buffer.from(stored.epoch, 'hex') : null;
    position = { epoch: epoch && new Uint8Array(epoch), seq: stored.seq };
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', `notification cursor ${path} is not JSON`, { cause });
  }
  if (!isPosition(position)) throw new SteadError('BAD_OPTIONS', `notification cursor ${path} holds no position`);
  return position;
}
