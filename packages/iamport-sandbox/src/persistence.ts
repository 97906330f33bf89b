import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SerializedState } from './state';

/** Reads a state file written by StatePersister; undefined when there is none yet. */
export function loadStateFile(path: string): SerializedState | undefined {
  if (!existsSync(path)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`sandbox state file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isSerializedState(data)) throw new Error(`sandbox state file ${path} is not a version 1 sandbox state`);
  return data;
}

function isSerializedState(data: unknown): data is SerializedState {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return (
    d.version === 1 &&
    typeof d.seq === 'number' &&
    Array.isArray(d.customers) &&
    Array.isArray(d.schedules) &&
    Array.isArray(d.payments) &&
    typeof d.ledger === 'object' &&
    d.ledger !== null
  );
}

/**
 * Saves the state after mutations, debounced; each save goes to a temp file renamed over the real one, so a
 * crash leaves either the old or the new file, never half of one. Saves never overlap.
 */
export class StatePersister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => SerializedState,
    private readonly onError: (err: unknown) => void,
    private readonly debounceMs = 50,
  ) {}

  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, this.debounceMs);
  }

  /** Writes pending changes now; resolves when they are on disk. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.save();
  }

  private save(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const temp = `${this.path}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(this.path), { recursive: true });
        await writeFile(temp, JSON.stringify(this.snapshot()));
        await rename(temp, this.path);
      } catch (err) {
        this.dirty = true;
        this.onError(err);
      }
    });
    return this.writing;
  }
}
