// `stead/broker`: run a broker, write proxy apps, plug in a store, administer keys and read a
// broker's status (docs/). A store's contract suite is `stead/broker/testing`.
export { createBroker, type BrokerOptions, type BrokerEvents, type SteadBroker } from './host/create-broker.js';
export type { CommitEvent } from './apps/commit-event.js';
export { startBroker, type StartBrokerOptions } from './host/start-broker.js';
export type { Metrics } from './metrics/event-feed.js';
export { brokerStatus, inspectProxy, type AdminClientOptions } from './http/admin-client.js';
export type { StatusReport, StoreStatus, ProxySummary, Health } from './http/admin-types.js';
export type { ProxyView, InspectedSession, InspectedTimer } from './proxy/proxy-view.js';
export {
  defineProxy,
  type ProxyContext,
  type InitContext,
  type ProxyDefinition,
  type ProxyType,
  type QueuePolicy,
  type QueuedNotification,
  type ArgSpec,
  type NotifyOptions,
  type SessionVisits,
  type SessionResources,
  type SessionInfo,
  type SessionListing,
  type SinkOptions,
} from './apps/define-proxy.js';
export {
  bundleReportMethod,
  emptyBundleLedger,
  recordBundleReport,
  sendBundle,
  BUNDLE_REPORT_METHOD,
  type BundleLedger,
  type BundleReportReceipt,
} from './apps/bundle-reports.js';
export { openStore, registerStore, checkOptions, type StoreFactory, type StoreOptions, type StoreContext, type StoreRole, type OpenStoreOptions } from './store/open-store.js';
export { createMemoryStore } from './store/memory/memory-store.js';
export type { Store, StoredProxy, ProxyWrite, WriteOutcome } from './store/types.js';
export { loadBrokerConfig, parseBrokerConfig } from './config/load-config.js';
export { withOverrides } from './config/overrides.js';
export type { BrokerConfig } from './config/config-schema.js';
export type { ListenerOptions, ListenerProtocol, BoundListener } from './host/listeners.js';
export { KeyRegistry, type AuthOptions, type GrantOptions, type KeyListing, type KeyEntry, type Role } from './auth/index.js';
export { newBlobKeyFile } from './host/blob-key.js';
export type { Bundle, BundleCommand, BundleReport } from '../shared/bundle.js';
export { SteadError, isSteadError, type ErrorCode, type ErrorKey } from '../shared/errors.js';
export type { Clock } from '../shared/clock.js';
export type { Random } from '../shared/random.js';
export type { Limits } from '../shared/limits.js';
export { grantKey, revokeKey, listKeys, type GrantKeyOptions, type KeyStoreOptions } from './auth/key-admin.js';
