export type { EdgeEvent, EdgeListener, Gpio, PinConfig, PinDirection, PinEdge, PinPull, PinsConfig } from './gpio.js';
export { configurePins, resolvePins, type ResolvedPin } from './pin-config.js';
export { SimulatedGpio, type GpioHistoryEntry, type SimulatedGpioOptions } from './simulated-gpio.js';
export { LinuxGpio, type LinuxGpioOptions } from './linux/linux-gpio.js';
export type { HeaderChip } from './linux/header-chip.js';
