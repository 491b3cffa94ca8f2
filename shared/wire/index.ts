export * from './frames.js';
export * from './codec.js';
export { isPlainData } from './plain-data.js';
