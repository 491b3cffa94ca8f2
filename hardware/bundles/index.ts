export { BundleExecutor, type BundleExecutorOptions, type BundleReceipt } from './bundle-executor.js';
export { JOURNAL_FILE } from './bundle-journal.js';
export { restartSteps } from './bundle-steps.js';
