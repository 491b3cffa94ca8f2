/**
 * Timed command bundles (DESIGN §9, from CAF's gadget support): what a proxy sends a gadget and
 * what the gadget reports back. Both sides speak it, so it lives here: the device executes
 * bundles (hardware/bundles) and the proxy records their reports (broker/apps/bundle-reports).
 */
import { SteadError } from './errors.js';
import { isPlainData } from './wire/plain-data.js';

/** One command: `method(...args)` runs `after` ms after the bundle's start. */
export interface BundleCommand {
  after: number;
  method: string;
  args: unknown[];
}

/** A bundle: its commands run at `start + after`, `start` in ms since the epoch. */
export interface Bundle {
  id: string;
  start: number;
  commands: BundleCommand[];
}

/**
 * What became of one command:
 * - `done` ran and returned; `failed` ran and threw (its error code and message);
 * - `cancelled` a newer bundle replaced it before it was due;
 * - `missed` the agent was down when it was due and it is not the recovery command (restart rule);
 * - `unknown` the agent died while it ran: it is not run again (no command runs twice).
 */
export type CommandStatus = 'done' | 'failed' | 'cancelled' | 'missed' | 'unknown';

export interface CommandOutcome {
  method: string;
  status: CommandStatus;
  /** When it was due (start + after). */
  due: number;
  /** When it started to run, or null if it never ran. */
  ranAt: number | null;
  error: { code: string; message: string } | null;
}

/**
 * A bundle's one report, produced once per bundle and sent to its proxy until acknowledged;
 * the proxy records it keyed by `id`, so a report sent twice is recorded once.
 * - `completed`: every command's turn came (see each outcome);
 * - `superseded`: a newer bundle (`supersededBy`) cancelled its pending commands;
 * - `late`: refused on arrival, `lateMs` after its start (beyond the tolerance); nothing ran.
 */
export interface BundleReport {
  id: string;
  status: 'completed' | 'superseded' | 'late';
  receivedAt: number;
  lateMs: number | null;
  supersededBy: string | null;
  commands: CommandOutcome[];
}

/** Bundle limits: one bundle is one notification, so these stay well inside one frame. */
export const BUNDLE_LIMITS = { maxIdChars: 128, maxCommands: 256, maxMethodChars: 128 } as const;

const bad = (message: string): SteadError => new SteadError('BAD_BUNDLE', message);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

export function isBundleId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= BUNDLE_LIMITS.maxIdChars;
}

/** Checks a bundle from the wire; throws BAD_BUNDLE. `args` defaults to []. */
export function parseBundle(value: unknown): Bundle {
  if (!isRecord(value)) throw bad('a bundle is an object { id, start, commands }');
  const { id, start, commands } = value;
  if (!isBundleId(id)) throw bad(`a bundle id is a string of 1 to ${BUNDLE_LIMITS.maxIdChars} characters`);
  if (typeof start !== 'number' || !Number.isFinite(start)) throw bad(`bundle ${id}: start is a time in ms since the epoch`);
  if (!Array.isArray(commands) || commands.length === 0 || commands.length > BUNDLE_LIMITS.maxCommands) {
    throw bad(`bundle ${id}: commands is a list of 1 to ${BUNDLE_LIMITS.maxCommands} commands`);
  }
  return { id, start, commands: commands.map((command: unknown, index) => parseCommand(id, index, command)) };
}

function parseCommand(id: string, index: number, value: unknown): BundleCommand {
  const where = `bundle ${id}, command ${index}`;
  if (!isRecord(value)) throw bad(`${where}: a command is { after, method, args }`);
  const { after, method, args = [] } = value;
  if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) throw bad(`${where}: after is a number of ms ≥ 0`);
  if (typeof method !== 'string' || method.length === 0 || method.length > BUNDLE_LIMITS.maxMethodChars) {
    throw bad(`${where}: method is a non-empty string`);
  }
  if (!Array.isArray(args) || !isPlainData(args, 32)) throw bad(`${where}: args is a list of plain data`);
  return { after, method, args };
}

const REPORT_STATUSES = new Set(['completed', 'superseded', 'late']);
const COMMAND_STATUSES = new Set(['done', 'failed', 'cancelled', 'missed', 'unknown']);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Checks a report a device sent (the proxy side); throws BAD_BUNDLE. */
export function parseBundleReport(value: unknown): BundleReport {
  if (!isRecord(value) || !isBundleId(value.id)) throw bad('a bundle report is an object with a bundle id');
  const { id, status, receivedAt, lateMs, supersededBy, commands } = value;
  const valid =
    typeof status === 'string' && REPORT_STATUSES.has(status) && isTime(receivedAt) &&
    (lateMs === null || isTime(lateMs)) && (supersededBy === null || isBundleId(supersededBy)) &&
    Array.isArray(commands) && commands.length <= BUNDLE_LIMITS.maxCommands && commands.every(isCommandOutcome);
  if (!valid) throw bad(`bundle report ${id}: not a bundle report`);
  return value as unknown as BundleReport;
}

function isCommandOutcome(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { method, status, due, ranAt, error } = value;
  return typeof method === 'string' && typeof status === 'string' && COMMAND_STATUSES.has(status) && isTime(due) &&
    (ranAt === null || isTime(ranAt)) &&
    (error === null || (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string'));
}

/** The proxy method a device reports a bundle's outcome to (its argument: one BundleReport). */
export const BUNDLE_REPORT_METHOD = 'bundleReport';

/** How a proxy sends a bundle: a notification whose payload is `{ type: 'stead.bundle', bundle }`. */
export interface BundleNotification {
  type: 'stead.bundle';
  bundle: Bundle;
}

export function bundleNotification(bundle: Bundle): BundleNotification {
  return { type: 'stead.bundle', bundle };
}

export function isBundleNotification(payload: unknown): payload is BundleNotification {
  return isRecord(payload) && payload.type === 'stead.bundle' && 'bundle' in payload;
}
