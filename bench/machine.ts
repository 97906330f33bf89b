import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** Processes other than this bench whose command line mentions jest: other engineers' test runs. */
export function otherJestProcesses(): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('jest')) count += 1;
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}

export interface Machine {
  date: string;
  cpus: string;
  memoryGiB: number;
  node: string;
  loadAverage: number[];
  otherJestAtStart: number;
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    date: new Date().toISOString(),
    cpus: `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown'}`,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    loadAverage: loadavg(),
    otherJestAtStart: otherJestProcesses(),
  };
}

/** Watches for other engineers' test runs during the bench: the share of 10-second samples that saw one. */
export function watchOtherJest(intervalMs = 10_000) {
  let samples = 0;
  let busy = 0;
  const sample = () => {
    samples += 1;
    if (otherJestProcesses() > 0) busy += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop(): { samples: number; busy: number } {
      clearInterval(timer);
      sample();
      return { samples, busy };
    },
  };
}
