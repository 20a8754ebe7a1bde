/** Polls a probe until it returns something truthy: for state another process changes. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | null | false,
  { timeoutMs = 90_000, everyMs = 150 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
