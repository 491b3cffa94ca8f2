import type { DeviceKey } from '../../shared/identity/key-pair.js';

/**
 * A broker with keys takes from a key only client ids `<device>` or `<device>/…` (docs/identity.md),
 * so a simulated device that signs with a key connects as `<key's device>/<sim id>`. A key given
 * as a file path is read by the Device; give the key itself to have it named here.
 */
export function keyedClientId(key: DeviceKey | string | undefined, id: string): string {
  return typeof key === 'object' && key !== null ? `${key.device}/${id}` : id;
}
