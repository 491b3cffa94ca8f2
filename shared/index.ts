export * from './errors.js';
export * from './limits.js';
export * from './names.js';
export * from './topics.js';
export * from './wire/index.js';
export * from './random.js';
export * from './bytes.js';
export * from './clock.js';
