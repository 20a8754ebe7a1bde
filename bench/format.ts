/** Number formatting and the timestamped log line the benchmarks print. */

/** 1000000 → "1M", 10000 → "10k". */
export const label = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));
/** kB → MB, rounded. */
export const mb = (kb: number | null | undefined) => (kb == null ? '-' : `${Math.round(kb / 1024)}`);
/** bytes → MB with one decimal. */
export const mbBytes = (b: number | null | undefined) => (b == null ? '-' : (b / 1e6).toFixed(1));
export const secs = (ms: number | null | undefined, digits = 2) => (ms == null ? '-' : (ms / 1000).toFixed(digits));
export const thousands = (x: number | null | undefined) => (x == null ? '-' : Math.round(x).toLocaleString('en-US'));

/** `[   12 s] text`, seconds since the benchmark started. */
export function makeLog(): (text: string) => void {
  const t0 = performance.now();
  return (text) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${text}`);
}

/** A plain-text table: the first `leftColumns` cells left-aligned, the rest right-aligned. */
export function renderTable(head: string[], rows: string[][], leftColumns: number): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [pad(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)];
}
