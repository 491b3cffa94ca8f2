import { SteadError, isCachedReply, isErrorCode, isSteadError, type ErrorCode } from '../../shared/errors.js';
import { assertName, assertRoot, parseProxyAddress } from '../../shared/names.js';
import { toHex } from '../../shared/bytes.js';
import { DEFAULT_COMMAND_DEADLINE_MS, DEFAULT_ROOT } from '../../shared/defaults.js';
import { decodeValue, encodeCall, encodeValue } from '../../shared/wire/codec.js';
import { NONCE_BYTES } from '../../shared/wire/frames.js';
import { isPlainData } from '../../shared/wire/plain-data.js';
import { LIMITS } from '../../shared/limits.js';
import { connectDevice, type Device } from '../device.js';
import { readKeyFile } from '../identity/key-file.js';
import type { DeviceKey } from '../../shared/identity/key-pair.js';
import type { DeviceSession } from '../session/device-session.js';
import type { BeginResult } from '../session/types.js';
import { CallJournal, defaultJournalDir, type JournalAnswer, type JournalEntry, type JournalKey } from './journal.js';
import type { CallOnceOptions, CallOutcome } from './types.js';

/** The instance that sent the call is gone: its reply cache can no longer be asked. */
const LOST: ReadonlySet<ErrorCode> = new Set(['STEAD_E_STALE_INSTANCE', 'STEAD_E_NOT_BEGUN', 'STEAD_E_STALE_REQUEST']);
/** Raised on this side after the begin may have left: no answer came. */
const NO_ANSWER: ReadonlySet<ErrorCode> = new Set(['STEAD_E_DEADLINE', 'STEAD_E_CLOSED']);
/** Node's timers take at most 2^31 - 1 ms; a longer one would fire at once. */
const MAX_DEADLINE_MS = 2 ** 31 - 1;

interface Call extends JournalKey {
  /** The broker URL as given: where to connect, kept in the entry for the reader. */
  readonly broker: string;
  readonly method: string;
  readonly args: readonly unknown[];
  /** The arguments as the journal keeps them (CBOR, base64). */
  readonly encodedArgs: string;
  readonly deadlineMs: number;
  readonly agent: string;
  readonly key: DeviceKey | null;
  readonly audience: string | undefined;
}

/**
 * One call, exactly once across runs (issue 6, hole 8): begin, journal, call, end. The journal
 * entry is on disk before the call frame leaves; while the outcome is unknown it stays, and the
 * same call made again takes up the journalled instance and sends the same seq, which the proxy
 * answers from its reply cache without running the method again (DESIGN §4 rule 3). The answer
 * is journalled before the end, so a lost end never loses the answer.
 */
export async function callOnce(options: CallOnceOptions): Promise<CallOutcome> {
  let call: Call;
  let journal: CallJournal;
  let unlock: () => Promise<void>;
  try {
    call = resolveCall(options);
    journal = new CallJournal(options.journalDir ?? defaultJournalDir(), call);
    // One run of a session at a time: a second run would take up or replace the first one's
    // entry while the first still waits for its answer.
    unlock = await journal.lock();
  } catch (error) {
    return { status: 'refused', error: asSteadError(error) };
  }
  try {
    return await callLocked(call, journal, options.fresh === true);
  } finally {
    await unlock();
  }
}

async function callLocked(call: Call, journal: CallJournal, fresh: boolean): Promise<CallOutcome> {
  let entry: JournalEntry | null;
  try {
    entry = fresh ? null : await journal.read();
    if (entry) assertDecodes(entry, journal.path);
  } catch (error) {
    return { status: 'refused', error: asSteadError(error) };
  }
  if (entry && isSameCall(entry, call)) return resume(call, journal, entry);
  if (entry && !entry.answer) {
    const pending = `${entry.method} ${JSON.stringify(decodeValue(Buffer.from(entry.args, 'base64')))}`;
    const error = new SteadError('CALL_PENDING', `the outcome of an earlier call on ${call.proxy} session ${call.session} (${pending}, via ${entry.broker}) is unknown`);
    return { status: 'refused', error };
  }
  // With an entry, the instance it names is why the previous one did not end; with --new, the
  // caller has chosen to go on whatever an earlier run left.
  return firstRun(call, journal, fresh || entry !== null);
}

async function firstRun(call: Call, journal: CallJournal, crashExplained: boolean): Promise<CallOutcome> {
  return withSession(call, (error) => ({ status: 'unsent', error }), async (session) => {
    let begun: BeginResult;
    try {
      begun = await session.begin({ agent: call.agent });
    } catch (thrown) {
      // A begin the proxy refused (UNKNOWN_APP, SESSION_LIMIT…) is an answer; one lost is not.
      const error = asSteadError(thrown);
      return NO_ANSWER.has(error.code) ? { status: 'unsent', error } : { status: 'failed', error, resumed: false, warning: null };
    }
    // The previous instance did not end and no entry here says why: an earlier call, journalled
    // in another folder, by another user, or by a run that lost its journal, may be unresolved.
    // The new instance is left open, not ended, so that every run refuses until --new.
    if (begun.crashed && !crashExplained) return { status: 'refused', error: unresolved(call, begun.memento) };
    const entry: JournalEntry = {
      version: 1,
      broker: call.broker,
      root: call.root,
      proxy: call.proxy,
      session: call.session,
      method: call.method,
      args: call.encodedArgs,
      nonce: toHex(session.nonce as Uint8Array),
      seq: session.nextSeq,
      sentAt: new Date().toISOString(),
    };
    try {
      await journal.write(entry);
    } catch (error) {
      return { status: 'unsent', error: asSteadError(error) };
    }
    return send(call, journal, entry, session, false);
  });
}

/** The same call again: its answer from the journal, or the same seq sent again. */
async function resume(call: Call, journal: CallJournal, entry: JournalEntry): Promise<CallOutcome> {
  const nonce = Buffer.from(entry.nonce, 'hex');
  const { answer } = entry;
  if (answer) {
    return withSession(
      call,
      (error) => answered(answer, true, error),
      async (session) => {
        session.adopt(nonce, entry.seq + 1);
        return answered(answer, true, await endInstance(session, journal));
      },
    );
  }
  return withSession(
    call,
    (cause) => ({ status: 'unknown', error: unknownOutcome(call, cause), journal: journal.path }),
    (session) => {
      session.adopt(nonce, entry.seq);
      return send(call, journal, entry, session, true);
    },
  );
}

/** Sends the journalled call; journals the answer, then ends the instance. */
async function send(call: Call, journal: CallJournal, entry: JournalEntry, session: DeviceSession, resumed: boolean): Promise<CallOutcome> {
  let answer: JournalAnswer;
  try {
    answer = { value: encodeValue(await session.invoke(call.method, [...call.args])).toString('base64') };
  } catch (thrown) {
    const error = asSteadError(thrown);
    if (LOST.has(error.code)) return { status: 'lost', error: lostOutcome(call, error), journal: journal.path };
    // Only an error the proxy cached under the call's seq is its answer. Anything else (no
    // answer, or a refusal before the method: UNKNOWN_APP while the app is not loaded, a gap,
    // a refused publish) leaves the outcome unknown, and the instance open: the rerun needs its
    // reply cache.
    if (!isSteadError(thrown) || !isCachedReply(error.code)) {
      return { status: 'unknown', error: unknownOutcome(call, error), journal: journal.path };
    }
    answer = { error: { code: error.code, message: error.message } };
  }
  try {
    await journal.write({ ...entry, answer });
  } catch (error) {
    // The answer is in; only a crash before the end could still lose it.
    return answered(answer, resumed, asSteadError(error));
  }
  return answered(answer, resumed, await endInstance(session, journal));
}

/**
 * Ends the instance and drops its journal entry. An end that fails or gets no answer is a
 * warning, not a failure: the answer stands, and the entry stays so that a rerun ends it.
 */
async function endInstance(session: DeviceSession, journal: CallJournal): Promise<SteadError | null> {
  try {
    await session.end();
  } catch (thrown) {
    const error = asSteadError(thrown);
    // Fenced, or ended by an earlier end whose answer was lost: the instance is over all the same.
    if (!LOST.has(error.code)) return error;
  }
  try {
    await journal.remove();
    return null;
  } catch (error) {
    return asSteadError(error);
  }
}

async function withSession(
  call: Call,
  unreachable: (error: SteadError) => CallOutcome,
  run: (session: DeviceSession) => Promise<CallOutcome>,
): Promise<CallOutcome> {
  let device: Device;
  try {
    device = await connectDevice({
      url: call.broker,
      root: call.root,
      agent: call.agent,
      ...(call.key ? { key: call.key } : {}),
      ...(call.audience ? { audience: call.audience } : {}),
      connectTimeoutMs: call.deadlineMs,
      reconnect: { initialMs: 50, maxMs: 1000 },
      // mqtt-packet's cache of 65,536 number buffers costs a one-call process ~40 ms of start-up.
      mqtt: { writeCache: false },
    });
  } catch (error) {
    return unreachable(asSteadError(error));
  }
  try {
    return await run(device.session(call.proxy, call.session, { deadlineMs: call.deadlineMs, autoBegin: false }));
  } finally {
    await device.close();
  }
}

function answered(answer: JournalAnswer, resumed: boolean, warning: SteadError | null): CallOutcome {
  if ('value' in answer) return { status: 'answered', value: decodeValue(Buffer.from(answer.value, 'base64')), resumed, warning };
  const { code, message } = answer.error;
  return { status: 'failed', error: new SteadError(isErrorCode(code) ? code : 'APP_ERROR', message), resumed, warning };
}

function resolveCall(options: CallOnceOptions): Call {
  const root = options.root ?? DEFAULT_ROOT;
  assertRoot(root);
  parseProxyAddress(options.proxy);
  assertName('session', options.session);
  if (typeof options.method !== 'string' || options.method === '') throw new SteadError('BAD_OPTIONS', 'a method name is required');
  if (!Array.isArray(options.args) || !isPlainData(options.args, LIMITS.maxValueDepth)) {
    throw new SteadError('BAD_ARGUMENTS', 'arguments must be an array of plain data');
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_COMMAND_DEADLINE_MS;
  if (!(deadlineMs > 0 && deadlineMs <= MAX_DEADLINE_MS)) {
    throw new SteadError('BAD_OPTIONS', `deadline must be from 1 to ${MAX_DEADLINE_MS} ms, got ${deadlineMs}`);
  }
  // A call that cannot fit in one frame is refused here, before anything is begun or journalled.
  const size = encodeCall(new Uint8Array(NONCE_BYTES), 1, 0, options.method, options.args).length;
  if (size > LIMITS.maxFrameBytes) throw new SteadError('FRAME_TOO_LARGE', `a call of ${size} bytes exceeds one frame (${LIMITS.maxFrameBytes})`);
  return {
    broker: options.broker,
    root,
    proxy: options.proxy,
    session: options.session,
    method: options.method,
    args: options.args,
    encodedArgs: encodeValue(options.args).toString('base64'),
    deadlineMs,
    agent: options.agent ?? 'stead-cli',
    // A key file that is not a key is refused here, before anything is sent (BAD_KEY).
    key: typeof options.key === 'string' ? readKeyFile(options.key) : options.key ?? null,
    audience: options.audience,
  };
}

/** An entry whose values do not decode is refused like one that is not JSON. */
function assertDecodes(entry: JournalEntry, path: string): void {
  try {
    decodeValue(Buffer.from(entry.args, 'base64'));
    if (entry.answer && 'value' in entry.answer) decodeValue(Buffer.from(entry.answer.value, 'base64'));
  } catch (cause) {
    throw new SteadError('JOURNAL', `the call journal ${path} holds values that do not decode`, { cause });
  }
}

function isSameCall(entry: JournalEntry, call: Call): boolean {
  // Not the broker URL: the journal is the session's, however the broker is reached (JournalKey).
  return (
    entry.root === call.root &&
    entry.proxy === call.proxy &&
    entry.session === call.session &&
    entry.method === call.method &&
    entry.args === call.encodedArgs
  );
}

function unresolved(call: Call, memento: unknown): SteadError {
  const message =
    `the previous instance of ${call.proxy} session ${call.session} did not end, and no journal entry in this folder explains it: ` +
    'an earlier call may be unresolved (its journal is elsewhere, or gone); nothing was called';
  return new SteadError('CALL_UNRESOLVED', message, { data: { memento } });
}

function unknownOutcome(call: Call, cause: SteadError): SteadError {
  const why = `${cause.code}: ${cause.message}`;
  return new SteadError('OUTCOME_UNKNOWN', `${call.method} was sent to ${call.proxy} but no answer came (${why}); it may or may not have run`, { cause });
}

function lostOutcome(call: Call, cause: SteadError): SteadError {
  const why = `${cause.code}: ${cause.message}`;
  const message = `the instance that sent ${call.method} to ${call.proxy} is gone (${why}); whether the call ran can no longer be learned from the proxy`;
  return new SteadError('OUTCOME_LOST', message, { cause });
}

function asSteadError(error: unknown): SteadError {
  if (isSteadError(error)) return error;
  return new SteadError('BAD_OPTIONS', error instanceof Error ? error.message : String(error), { cause: error });
}
