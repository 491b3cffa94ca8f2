export { BrokerAuth, type AuthHost } from './auth-hooks.js';
export { authOptionsSchema, type AuthOptions } from './auth-options.js';
export { KeyRegistry, type GrantOptions, type KeyListing } from './key-registry.js';
export { REGISTRY_KEY, type KeyEntry, type Role } from './registry.js';
export { DEVICE_DEFAULT_PROXY } from './grants.js';
