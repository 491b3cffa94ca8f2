export { createBroker, type BrokerOptions, type SteadBroker } from './host/create-broker.js';
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
} from './apps/define-proxy.js';
export { loadApps } from './apps/load-apps.js';
export { openStore, registerStore, type StoreFactory } from './store/open-store.js';
export { createMemoryStore } from './store/memory/memory-store.js';
export type { Store, StoredProxy, ProxyWrite, WriteOutcome } from './store/types.js';
