/** Units for people to read, shared by the CLI and the demo (the CLI runs the demo, so the demo cannot import from cli/). */

/** A byte count in B, KiB or MiB with one decimal. */
export function fmtBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}
