export { createBroker, type BrokerOptions, type BrokerEvents, type SteadBroker } from './host/create-broker.js';
export type { CommitEvent } from './apps/commit-event.js';
export { startBroker, type StartBrokerOptions } from './host/start-broker.js';
export { Metrics } from './host/metrics.js';
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
export { openStore, registerStore, type StoreFactory } from './store/open-store.js';
export { createMemoryStore } from './store/memory/memory-store.js';
export type { Store, StoredProxy, ProxyWrite, WriteOutcome } from './store/types.js';
export { newBlobKeyFile } from './host/blob-key.js';
