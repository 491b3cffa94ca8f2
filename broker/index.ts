export { createBroker, type BrokerOptions, type BrokerEvents, type SteadBroker } from './host/create-broker.js';
export type { CommitEvent } from './apps/commit-event.js';
export { startBroker, type StartBrokerOptions } from './host/start-broker.js';
export { Metrics } from './metrics/event-feed.js';
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
export { loadApps } from './apps/load-apps.js';
export {
  bundleReportMethod,
  emptyBundleLedger,
  recordBundleReport,
  sendBundle,
  BUNDLE_REPORT_METHOD,
  type BundleLedger,
  type BundleReportReceipt,
} from './apps/bundle-reports.js';
export { openStore, registerStore, checkOptions, loadStoreModules, type StoreFactory, type StoreOptions, type StoreContext, type StoreRole, type OpenStoreOptions } from './store/open-store.js';
export { createMemoryStore } from './store/memory/memory-store.js';
export type { Store, StoredProxy, ProxyWrite, WriteOutcome } from './store/types.js';
export { loadBrokerConfig, parseBrokerConfig } from './config/load-config.js';
export { withOverrides } from './config/overrides.js';
export type { BrokerConfig } from './config/config-schema.js';
export type { ListenerOptions, ListenerProtocol, BoundListener } from './host/listeners.js';
export { KeyRegistry, REGISTRY_KEY, DEVICE_DEFAULT_PROXY, type AuthOptions, type GrantOptions, type KeyListing, type KeyEntry, type Role } from './auth/index.js';
export { newBlobKeyFile } from './host/blob-key.js';
