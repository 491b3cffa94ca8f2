export { connectDevice, Device, type DeviceOptions, type DeviceEvents } from './device.js';
export { DeviceSession } from './session/device-session.js';
export { ResourceClient, type ResourceClientOptions } from './resources/resource-client.js';
export {
  sessionCommand,
  type SessionCommandOptions,
  type SessionCommandResult,
  type SessionCommandStatus,
  type SessionVerb,
} from './resources/session-command.js';
export type { SessionOptions, BeginResult } from './session/types.js';
export type { NotifyHandler, NotificationInfo } from './session/notifications.js';
export type { NotificationCursor, NotificationOptions, NotificationPosition } from './session/notification-cursor.js';
export { fileCursor } from './disk/file-cursor.js';
export { writeFileAtomic } from '../shared/atomic-write.js';
export type { BackoffOptions } from './backoff.js';
export { callOnce } from './call-once/call-once.js';
export { defaultJournalDir } from './call-once/journal.js';
export type { CallOnceOptions, CallOutcome, CallStatus } from './call-once/types.js';
export { readKeyFile, writeKeyFile } from './identity/key-file.js';
export { connectCredentials, DEFAULT_AUDIENCE } from './identity/connect-credentials.js';
export * from './sim/index.js';
// The device agent and `stead flash` (issue 9, docs/agent.md).
export * from './agent/index.js';
export { flash, type FlashOptions, type FlashResult, type FlashStep } from './flash/flash.js';
