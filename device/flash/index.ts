// `stead/flash`: prepares a gadget (docs/agent.md), as `stead flash` does. Runs on the machine
// that flashes, never on the gadget.
export { flash, type FlashOptions, type FlashResult, type FlashStep } from './flash.js';
