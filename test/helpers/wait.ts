/**
 * Waits until `check` returns true, re-checking on every event-loop turn that lets I/O run.
 * For state that has no event of its own to await (counters on the far side of a socket).
 */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
