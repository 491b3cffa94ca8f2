export { frameStep, correlation, refusedFrame, type Correlation } from './frames/index.js';
export { wakeStep, pulseStep, heldExpiredStep } from './wake/wake-steps.js';
export { perform } from './runs/perform.js';
export { settle } from './runs/settle.js';
export { commitRecord } from './commit-record.js';
export { SessionBlobs, type BlobHost } from './blobs/blob-delivery.js';
export { coalesced } from './blobs/blob-release.js';
export type { Step, Run } from './step.js';
export type { ProtocolView } from './view.js';
