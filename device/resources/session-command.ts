import { SteadError, isSteadError } from '../../shared/errors.js';
import { assertRoot } from '../../shared/names.js';
import { formatSessionAddress, parseSessionAddress, type SessionAddress, type SessionInfo } from '../../shared/session-address.js';
import { DEFAULT_COMMAND_DEADLINE_MS, DEFAULT_ROOT } from '../../shared/defaults.js';
import type { DeviceKey } from '../../shared/identity/key-pair.js';
import { systemRandom } from '../../shared/random.js';
import { defaultJournalDir } from '../call-once/journal.js';
import { connectDevice, type Device } from '../device.js';
import { GetJournal, newGetEntry, type GetEntry } from './get-journal.js';
import type { ResourceClient, ResumedRequest } from './resource-client.js';

/** What `stead session` does: one verb of the session address space (DESIGN §6). */
export type SessionVerb = 'new' | 'get' | 'put' | 'exists' | 'delete' | 'ls';

export interface SessionCommandOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  broker: string;
  /** Topic root; default `stead`. */
  root?: string;
  verb: SessionVerb;
  /**
   * `session:<app>/<id>` for new and for ls of the sessions, `session:<app>/<id>/<session>` for
   * ls of its keys, `session:<app>/<id>/<session>+<key>` for get, put, exists and delete.
   */
  address: string;
  /** The device key (or its file) that signs the CONNECT, for a broker with keys (DESIGN §7). */
  key?: DeviceKey | string;
  /** The broker's audience name; default `stead`. */
  audience?: string;
  /** put: the value (plain data, not undefined). */
  value?: unknown;
  /** put: expire this many ms after the write. */
  ttlMs?: number;
  /** put: the get that returns it deletes it. */
  once?: boolean;
  /** Deadline of connecting and of the request, in ms; default 10 s. */
  deadlineMs?: number;
  /** get: the folder of its journal (docs/cli.md); default as `stead call`'s (defaultJournalDir). */
  journalDir?: string;
  /** get: abandon a journalled get of the address and send a new one (`--new`). */
  fresh?: boolean;
}

export type SessionCommandResult =
  /**
   * Done: new gives the new session's address, get the value, exists and delete `true`, ls the
   * sorted keys or every session with its visits, put null.
   */
  | { readonly status: 'ok'; readonly value: unknown }
  /** get of an absent (or expired, or consumed) resource; exists or delete of one. */
  | { readonly status: 'absent' }
  /**
   * The broker or the proxy answered with an error: nothing changed. `journal` is set when the
   * error answered a get sent again (an earlier run's), which stays journalled: the earlier send
   * may have consumed the value, and only its kept answer can tell.
   */
  | { readonly status: 'failed'; readonly error: SteadError; readonly journal?: string }
  /** Bad input (address, options): nothing was sent. */
  | { readonly status: 'refused'; readonly error: SteadError }
  /** Sent, and no answer came in time (or none is kept any more): a write may or may not have happened. */
  | { readonly status: 'unknown'; readonly error: SteadError }
  /** The broker could not be reached: nothing was sent. */
  | { readonly status: 'unsent'; readonly error: SteadError };

export type SessionCommandStatus = SessionCommandResult['status'];

const MAX_DEADLINE_MS = 2 ** 31 - 1;

/** Which parts of the address each verb takes: a resource, a session, or the proxy. */
const NEEDS: Readonly<Record<SessionVerb, readonly ('proxy' | 'session' | 'resource')[]>> = {
  new: ['proxy'],
  get: ['resource'],
  put: ['resource'],
  exists: ['resource'],
  delete: ['resource'],
  ls: ['proxy', 'session'],
};

/**
 * `stead session …` as a function: connects, makes one request of the proxy's session address
 * space, closes. A request is sent again (same ref) until answered or the deadline, and the proxy
 * answers a write it already did from the answer it kept: a write never happens twice.
 */
export async function sessionCommand(options: SessionCommandOptions): Promise<SessionCommandResult> {
  let address: SessionAddress;
  try {
    address = resolve(options);
  } catch (error) {
    return { status: 'refused', error: asSteadError(error) };
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_COMMAND_DEADLINE_MS;
  // A get consumes a once-only value: it is journalled before it is sent, and a get left
  // unanswered by an earlier run is sent again as it was (get-journal.ts).
  const journal = options.verb === 'get' ? new GetJournal(options.journalDir ?? defaultJournalDir(), options.root ?? DEFAULT_ROOT, options.address) : null;
  let pending: { entry: GetEntry; sentBefore: boolean } | null = null;
  let unlock: (() => Promise<void>) | null = null;
  if (journal) {
    try {
      unlock = await journal.lock();
      const earlier = options.fresh === true ? null : await journal.read();
      pending = earlier ? { entry: earlier, sentBefore: true } : { entry: newGetEntry(() => systemRandom.nonce()), sentBefore: false };
      if (!earlier) await journal.write(pending.entry);
    } catch (error) {
      await unlock?.();
      return { status: 'refused', error: asSteadError(error) };
    }
  }
  try {
    return await answered(journal, await request(options, address, deadlineMs, pending), pending);
  } finally {
    await unlock?.();
  }
}

/** The result, with the journal entry removed unless an answer may still come. */
async function answered(journal: GetJournal | null, result: SessionCommandResult, pending: { sentBefore: boolean } | null): Promise<SessionCommandResult> {
  if (!journal) return result;
  if (!(pending?.sentBefore === true ? settlesEarlier(result) : settlesFirst(result))) {
    return result.status === 'failed' ? { ...result, journal: journal.path } : result;
  }
  await journal.remove().catch(() => undefined);
  return result;
}

/**
 * A first request is settled by any answer, and by never having been sent: only a request that
 * got no answer in time may still be answered.
 */
function settlesFirst(result: SessionCommandResult): boolean {
  return !(result.status === 'unknown' && isSteadError(result.error, 'DEADLINE'));
}

/**
 * An earlier run's request, sent again, is settled only by the proxy's answer to it: a value,
 * absent, or OUTCOME_UNKNOWN (its answer is no longer kept: no later run could learn more). A
 * refusal of the resend itself (UNKNOWN_APP from a broker restarted without the app, a revoked
 * key…) says nothing of what the first send did, so the entry stays for a later run.
 */
function settlesEarlier(result: SessionCommandResult): boolean {
  return result.status === 'ok' || result.status === 'absent' || ('error' in result && isSteadError(result.error, 'OUTCOME_UNKNOWN'));
}

async function request(
  options: SessionCommandOptions,
  address: SessionAddress,
  deadlineMs: number,
  pending: { entry: GetEntry; sentBefore: boolean } | null,
): Promise<SessionCommandResult> {
  let device: Device;
  try {
    device = await connectDevice({ url: options.broker, root: options.root ?? DEFAULT_ROOT, connectTimeoutMs: deadlineMs, agent: 'stead-cli', key: options.key, audience: options.audience });
  } catch (error) {
    return { status: 'unsent', error: asSteadError(error) };
  }
  try {
    const client = device.resources(`${address.app}/${address.id}`, { deadlineMs, channel: pending?.entry.channel });
    return await run(client, options, address, pending && { ref: new Uint8Array(Buffer.from(pending.entry.ref, 'hex')), sentBefore: pending.sentBefore });
  } catch (error) {
    const steadError = asSteadError(error);
    const unknown = isSteadError(steadError, 'DEADLINE') || isSteadError(steadError, 'OUTCOME_UNKNOWN');
    return unknown ? { status: 'unknown', error: steadError } : { status: 'failed', error: steadError };
  } finally {
    await device.close();
  }
}

async function run(client: ResourceClient, options: SessionCommandOptions, address: SessionAddress, as: ResumedRequest | null): Promise<SessionCommandResult> {
  const { session, key } = address as { session: string; key: string };
  switch (options.verb) {
    case 'new': {
      const id = await client.newSession();
      return ok(formatSessionAddress({ ...address, session: id, key: null }));
    }
    case 'get': {
      const value = await client.source(session, key, as ?? undefined);
      return value === undefined ? { status: 'absent' } : ok(value);
    }
    case 'put':
      await client.sink(session, key, options.value, { ttlMs: options.ttlMs, once: options.once });
      return ok(null);
    case 'exists':
      return (await client.exists(session, key)) ? ok(true) : { status: 'absent' };
    case 'delete':
      return (await client.delete(session, key)) ? ok(true) : { status: 'absent' };
    case 'ls':
      return ok(address.session === null ? await allSessions(client) : await client.keys(address.session));
  }
}

/** Every page of the proxy's sessions. */
async function allSessions(client: ResourceClient): Promise<SessionInfo[]> {
  const sessions: SessionInfo[] = [];
  for (let after: string | null = null; ;) {
    const page = await client.sessions(after);
    sessions.push(...page.sessions);
    if (page.next === null) return sessions;
    after = page.next;
  }
}

function resolve(options: SessionCommandOptions): SessionAddress {
  if (!(options.verb in NEEDS)) throw new SteadError('BAD_OPTIONS', `unknown session verb ${String(options.verb)}`);
  assertRoot(options.root ?? DEFAULT_ROOT);
  const address = parseSessionAddress(options.address);
  const names = address.key !== null ? 'resource' : address.session !== null ? 'session' : 'proxy';
  if (!NEEDS[options.verb].includes(names)) {
    throw new SteadError('BAD_ADDRESS', `${options.verb} takes ${NEEDS[options.verb].map(describe).join(' or ')}, not ${describe(names)}`);
  }
  if (options.verb === 'put' && options.value === undefined) throw new SteadError('BAD_OPTIONS', 'put needs a value');
  // Node's timers take at most 2^31 - 1 ms; a longer deadline would fire at once.
  const deadlineMs = options.deadlineMs ?? DEFAULT_COMMAND_DEADLINE_MS;
  if (!(deadlineMs > 0 && deadlineMs <= MAX_DEADLINE_MS)) throw new SteadError('BAD_OPTIONS', `deadline must be from 1 to ${MAX_DEADLINE_MS} ms, got ${deadlineMs}`);
  return address;
}

function describe(names: 'proxy' | 'session' | 'resource'): string {
  return { proxy: 'session:<app>/<id>', session: 'session:<app>/<id>/<session>', resource: 'session:<app>/<id>/<session>+<key>' }[names];
}

function ok(value: unknown): SessionCommandResult {
  return { status: 'ok', value };
}

function asSteadError(error: unknown): SteadError {
  return isSteadError(error) ? error : new SteadError('BAD_OPTIONS', String(error), { cause: error });
}
