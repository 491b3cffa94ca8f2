// hardware/: gadget-side hardware (DESIGN §9). Imports shared/ only (DESIGN §2).
export * from './gpio/index.js';
export * from './bundles/index.js';
export type { Bundle, BundleCommand, BundleReport, CommandOutcome, CommandStatus } from '../shared/bundle.js';
