import { readFileSync } from 'node:fs';
import { sleep } from './util';

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** A field of /proc/<pid>/status in MiB (VmRSS: resident now; VmHWM: the peak since the process started). */
export function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Waits until the given processes together use less than `maxCores` of CPU over a second, twice in a row, so a phase
 * does not start while the previous one's backlog (workflow tasks, visibility updates) is still being worked off.
 */
export async function waitUntilQuiet(pids: number[], maxCores = 0.15, timeoutMs = 90_000): Promise<number> {
  const started = Date.now();
  let quietSeconds = 0;
  let before = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  while (quietSeconds < 2 && Date.now() - started < timeoutMs) {
    await sleep(1000);
    const after = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    quietSeconds = after - before < maxCores ? quietSeconds + 1 : 0;
    before = after;
  }
  return Date.now() - started;
}

export interface CpuUsage {
  /** cores used on average over the window, per process name */
  cores: Record<string, number>;
}

/** Measures the CPU each named process uses between start() and stop(): where a phase's time went. */
export function cpuMeter(pids: Record<string, number>) {
  const startedAt = Date.now();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  return {
    stop(): CpuUsage {
      const seconds = (Date.now() - startedAt) / 1000;
      const cores = Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [name, (cpuSeconds(pid) - start[name]) / seconds]),
      );
      return { cores };
    },
  };
}
