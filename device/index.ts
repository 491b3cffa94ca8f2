export { connectDevice, Device, type DeviceOptions, type DeviceEvents } from './device.js';
export { DeviceSession, type SessionOptions, type BeginResult } from './session/device-session.js';
export type { NotifyHandler, NotificationInfo } from './session/notifications.js';
export type { BackoffOptions } from './backoff.js';
