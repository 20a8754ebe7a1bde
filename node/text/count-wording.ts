/**
 * The words a released overlap count is shown with, the same in the CLI, the demo and the docs:
 * a noisy count always with its 95 % margin, an exact one always with why it may be exact.
 *
 * @example describeCount({ value: 122, exact: false, margin95: 3 }) // "noisy count 122 (±3 at 95 %)"
 */
export function describeCount(c: { value: number; exact: boolean; margin95?: number }): string {
  return c.exact ? `exact count ${c.value} (agreement allows exact counts)` : `noisy count ${c.value} (±${c.margin95} at 95 %)`;
}
