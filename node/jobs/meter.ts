/** Turns progress reports into a rate and an ETA, written to the job row at most every `everyMs`. */
export class ProgressMeter {
  private startedAt = Date.now();
  private lastWrite = 0;
  private phase = '';

  constructor(
    private readonly write: (p: { phase: string; done: number; total: number; rate: number | null; etaSeconds: number | null }) => void,
    private readonly everyMs = 500,
  ) {}

  report(phase: string, done: number, total: number, force = false): void {
    if (phase !== this.phase) {
      this.phase = phase;
      force = true;
    }
    const now = Date.now();
    if (!force && now - this.lastWrite < this.everyMs && done < total) return;
    this.lastWrite = now;
    const seconds = (now - this.startedAt) / 1000;
    const rate = seconds > 0 && done > 0 ? done / seconds : null;
    const etaSeconds = rate ? Math.max(0, (total - done) / rate) : null;
    this.write({ phase, done, total, rate, etaSeconds });
  }
}
