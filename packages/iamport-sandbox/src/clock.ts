/**
 * The sandbox's notion of "now": real time plus an offset, or frozen at one instant. Tests move it to make
 * scheduled payments fall due without waiting; listeners hear about every change.
 */
export interface ClockSnapshot {
  offset_ms: number;
  /** set while frozen */
  frozen_at_ms: number | null;
}

export interface SandboxClock {
  /** unix milliseconds */
  now(): number;
  nowSeconds(): number;
  advance(ms: number): void;
  set(ms: number): void;
  freeze(): void;
  followRealTime(): void;
  isFrozen(): boolean;
  snapshot(): ClockSnapshot;
}

export class AdjustableClock implements SandboxClock {
  private offsetMs = 0;
  private frozenAtMs: number | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly realNow: () => number = Date.now) {}

  static fromSnapshot(snapshot: ClockSnapshot, realNow: () => number = Date.now): AdjustableClock {
    const clock = new AdjustableClock(realNow);
    clock.offsetMs = snapshot.offset_ms;
    clock.frozenAtMs = snapshot.frozen_at_ms;
    return clock;
  }

  now(): number {
    return this.frozenAtMs ?? this.realNow() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(ms: number): void {
    assertFiniteMs(ms, 'advance');
    if (ms < 0) throw new RangeError('clock.advance: ms must not be negative; use set() to go back');
    this.set(this.now() + ms);
  }

  set(ms: number): void {
    assertFiniteMs(ms, 'set');
    if (this.frozenAtMs !== null) this.frozenAtMs = ms;
    else this.offsetMs = ms - this.realNow();
    this.emit();
  }

  freeze(): void {
    this.frozenAtMs = this.now();
    this.emit();
  }

  followRealTime(): void {
    if (this.frozenAtMs === null) return;
    this.offsetMs = this.frozenAtMs - this.realNow();
    this.frozenAtMs = null;
    this.emit();
  }

  isFrozen(): boolean {
    return this.frozenAtMs !== null;
  }

  snapshot(): ClockSnapshot {
    return { offset_ms: this.offsetMs, frozen_at_ms: this.frozenAtMs };
  }

  /** Called after advance(), set(), freeze() and followRealTime(). Returns the function that removes it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

function assertFiniteMs(ms: number, method: string): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new RangeError(`clock.${method}: ms must be a finite number`);
}
