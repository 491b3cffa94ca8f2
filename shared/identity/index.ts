export * from './base64url.js';
export * from './key-pair.js';
export * from './connect-token.js';
