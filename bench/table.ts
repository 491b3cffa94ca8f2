/** A plain text table: first column left-aligned, the rest right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fixed = (value: number, digits = 2): string => value.toFixed(digits);
export const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
export const percent = (value: number): string => `${(value * 100).toFixed(0)}%`;
export const times = (value: number): string => `${value.toFixed(2)}×`;
