import type { CallStatus, SessionCommandStatus } from '../device/index.js';

/** Every subcommand without a table of its own (keys, status, proxy inspect, blob-key, flash, device) exits 1 on an error. */
export const ERROR_EXIT_CODE = 1;

/** `stead call` exits with one code per outcome (docs/cli.md); usage errors share `refused`'s. */
export const CALL_EXIT_CODES: Readonly<Record<CallStatus, number>> = {
  answered: 0,
  failed: 1,
  refused: 2,
  unknown: 3,
  lost: 4,
  unsent: 5,
};

export const USAGE_EXIT_CODE = CALL_EXIT_CODES.refused;

export const CALL_EXIT_HELP = `
Exit codes:
  0  answered: the reply is on stdout (a failed or late end is only a warning on stderr)
  1  failed: the broker or the proxy answered with an error (STEAD_E_… on stderr); the method
     had no effect
  2  refused: bad arguments or options, or an earlier call of this session is unresolved
     (CALL_PENDING: journalled here; CALL_UNRESOLVED: the session's previous instance did not
     end and no journal entry here explains it, the memento is printed); nothing was called
  3  unknown: the call was sent and no answer came; it may or may not have run. Run the same
     command again to learn its outcome: it resends the same call (same instance and seq),
     which the proxy answers from its reply cache and never runs twice
  4  lost: the instance that sent the journalled call was fenced or ended; whether it ran can
     no longer be learned (check the proxy's state; --new makes a new call)
  5  unsent: the broker could not be reached, or the begin failed; nothing ran

The call journal (--journal, default $STEAD_STATE_DIR/journal or ~/.stead/journal) keeps one
file per topic root, proxy and session (however the broker URL is spelled) while a call is
unresolved or its end is unconfirmed.`;

/** `stead session` exits with one code per result (docs/cli.md); 0–3 and 5 mean what they mean for `stead call`. */
export const SESSION_EXIT_CODES: Readonly<Record<SessionCommandStatus, number>> = {
  ok: 0,
  failed: 1,
  refused: 2,
  unknown: 3,
  absent: 4,
  unsent: 5,
};

export const SESSION_EXIT_HELP = `
Exit codes:
  0  ok: done (get prints the value as JSON, exists and delete print true, new the address)
  1  failed: the broker or the proxy answered with an error (STEAD_E_… on stderr); nothing changed
  2  refused: bad address, value or options; nothing was sent
  3  unknown: no answer before the deadline; a put or delete may or may not have happened
     (running it again is safe: the same value, the same delete); a get may have consumed a
     once-only value
  4  absent: get, exists or delete found no resource (exists and delete print false)
  5  unsent: the broker could not be reached; nothing was sent`;

/** `stead simulate` exits (docs/simulate.md). */
export const SIMULATE_EXIT_CODES = {
  ok: 0,
  invariantFailed: 1,
  refused: USAGE_EXIT_CODE,
  unconnected: 3,
} as const;

export const SIMULATE_EXIT_HELP = `
Exit codes:
  0  the run passed: every invariant held, every device connected, calls succeeded, and no
     call failed with an error the injected faults do not explain
  1  an invariant failed (a duplicate or lost effect, say), no call succeeded, or calls failed
     with errors no fault explains (bad arguments, app errors): the summary says which and how
  2  bad options, or the scenario did not load (STEAD_E_… on stderr); nothing ran
  3  no invariant failed, but some devices never connected: the summary says why

On a terminal the progress is one line, rewritten each second, then a summary table; otherwise
every second a JSON line {"type":"progress",…} and at the end {"type":"result",…}.`;
