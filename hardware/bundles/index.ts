export { BundleExecutor, type BundleExecutorOptions, type BundleReceipt } from './bundle-executor.js';
