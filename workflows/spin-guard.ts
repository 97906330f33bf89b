/**
 * Catches a billing loop that goes round without waiting for anything. Workflow time stands still within one
 * activation, so thousands of loop turns at one instant mean a step that neither awaits Temporal nor changes what the
 * next step will be: left alone, such a loop never yields, the worker's deadlock detector cuts the activation, and
 * the worker thread can die with it (taking every subscription it hosts). The loop asks after each turn and, when
 * told to, shows needs_attention and sleeps instead.
 */
export class SpinGuard {
  private instant = Number.NaN;
  private turns = 0;

  constructor(private readonly maxTurnsPerInstant = 5_000) {}

  /** Counts a loop turn at workflow time `nowMs`; true when the loop has turned too often at that instant. */
  turn(nowMs: number): boolean {
    if (nowMs !== this.instant) {
      this.instant = nowMs;
      this.turns = 0;
    }
    this.turns += 1;
    return this.turns > this.maxTurnsPerInstant;
  }

  reset(): void {
    this.instant = Number.NaN;
    this.turns = 0;
  }
}
