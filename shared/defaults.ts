/**
 * Stead's defaults that more than one side uses, each defined once: the broker, the device, the
 * agent and the `stead` command import them from here (the command needs them to print its help
 * before it loads either side). A side's own defaults (the listener ports by protocol, the auth
 * timings, the connect timeout) live with the options they complete.
 */

/** The topic root (DESIGN §5). */
export const DEFAULT_ROOT = 'stead';

/** The audience name a device signs into its CONNECT token and the broker checks (DESIGN §7). */
export const DEFAULT_AUDIENCE = 'stead';

/** The interface a broker listens on unless told: loopback. */
export const DEFAULT_HOST = '127.0.0.1';

/** The MQTT port over TCP (the IANA port). */
export const DEFAULT_MQTT_PORT = 1883;

/** The broker a device-side command connects to unless told: one on this machine. */
export const DEFAULT_BROKER_URL = `mqtt://${DEFAULT_HOST}:${DEFAULT_MQTT_PORT}`;

/** The SQLite file of `stead broker`'s store (`sqlite:` without a path means it too). */
export const DEFAULT_STORE_PATH = './data/stead.db';

/** `stead broker`'s store, and the one `stead keys` and `stead flash` register keys in; `createBroker`'s is `memory:`. */
export const DEFAULT_STORE_URL = `sqlite:${DEFAULT_STORE_PATH}`;

/** Where `stead keys new` and `stead flash` keep device key files: `<dir>/<device>.key`. */
export const DEFAULT_KEY_DIR = './data/keys';

/** How long `stead call`, `stead session` (and `callOnce`, `sessionCommand`) wait for each step. */
export const DEFAULT_COMMAND_DEADLINE_MS = 10_000;
