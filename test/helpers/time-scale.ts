/**
 * The one scale factor for every deadline a test sets. Tests assert outcomes, never timings: a
 * deadline only bounds how long a test waits for an outcome before it fails, and on a slow or
 * loaded machine (CPU burners, a busy CI runner) `STEAD_TEST_TIME_SCALE` stretches them all.
 */
export const TIME_SCALE = scaleOf(process.env.STEAD_TEST_TIME_SCALE);

/** A test deadline of `ms` at scale 1, stretched by TIME_SCALE. */
export function scaled(ms: number): number {
  return Math.ceil(ms * TIME_SCALE);
}

function scaleOf(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  const scale = Number(text);
  if (!(scale >= 1 && scale <= 100)) throw new Error(`STEAD_TEST_TIME_SCALE must be a number from 1 to 100, got ${text}`);
  return scale;
}
