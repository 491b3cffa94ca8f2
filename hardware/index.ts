// `stead/hardware`: GPIO (Linux and simulated) and timed command bundles, for gadget code and its tests (docs/hardware.md).
export * from './gpio/index.js';
export * from './bundles/index.js';
export type { Bundle, BundleCommand, BundleReport, CommandOutcome, CommandStatus } from '../shared/bundle.js';
