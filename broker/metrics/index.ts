export { Metrics, LATENCY_BUCKETS, BATCH_BUCKETS, type Observed } from './event-feed.js';
export { BucketHistogram, quantile, difference, type HistogramSnapshot } from './histogram.js';
export { PrometheusExporter, type ExporterSources } from './prometheus.js';
export { History, type HistoryPoint, type HistoryOptions } from './history.js';
export { DEPTH_BUCKETS, type FleetSample, type StoreHealth } from './fleet-sample.js';
