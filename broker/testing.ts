// `stead/broker/testing`: what users import in their own tests to prove their own parts
// (DESIGN §2). Kept apart from `stead/broker` because it imports vitest, an optional peer.
export { runStoreContract, type StoreFixture } from './store/contract-suite.js';
