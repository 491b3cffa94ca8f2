// `stead/simulate`: simulated devices and faults for users' own tests and `stead simulate` (docs/simulate.md).
export { simulateDevices } from './simulate-devices.js';
export { loadScenario, defineScenario } from './load-scenario.js';
export { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
export type { FaultCounts } from './fault-pipe.js';
export type { FaultPlan, FaultSettings } from './fault-settings.js';
export type {
  Scenario,
  Invariant,
  InvariantCheck,
  InvariantResult,
  SimContext,
  SimDeviceInfo,
  SimFaults,
  SimProgress,
  SimResult,
  SimulateOptions,
  DeviceKeyProvider,
} from './types.js';
