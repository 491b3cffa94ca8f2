// `stead/device`: the device library. A program that stands for a gadget or a user connects,
// keeps logical sessions with proxies, calls them exactly once, reads its notifications, uses
// session resources, and keeps its key file. Gadget code imports `stead/agent`, users' tests
// `stead/simulate`, provisioning `stead/flash`: each its own entry, so none loads the others.
export { connectDevice, Device, type DeviceOptions, type DeviceEvents } from './device.js';
export { DeviceSession } from './session/device-session.js';
export type { SessionOptions, BeginResult } from './session/types.js';
export type { BackoffOptions } from './backoff.js';
export type { NotifyHandler, NotificationInfo } from './session/notifications.js';
export type { NotificationCursor, NotificationOptions, NotificationPosition } from './session/notification-cursor.js';
export { fileCursor } from './disk/file-cursor.js';
export { writeFileAtomic } from '../shared/atomic-write.js';
export { ResourceClient, type ResourceClientOptions } from './resources/resource-client.js';
export {
  sessionCommand,
  type SessionCommandOptions,
  type SessionCommandResult,
  type SessionCommandStatus,
  type SessionVerb,
} from './resources/session-command.js';
export { callOnce } from './call-once/call-once.js';
export type { CallOnceOptions, CallOutcome, CallStatus } from './call-once/types.js';
export { readKeyFile, writeKeyFile } from './identity/key-file.js';
export { newDeviceKey, type DeviceKey } from '../shared/identity/key-pair.js';
export { toBase64Url } from '../shared/identity/base64url.js';
export { parseSessionAddress, formatSessionAddress, type SessionAddress } from '../shared/session-address.js';
export { SteadError, isSteadError, type ErrorCode, type ErrorKey } from '../shared/errors.js';
export type { Clock } from '../shared/clock.js';
export type { Random } from '../shared/random.js';
export type { Limits } from '../shared/limits.js';
