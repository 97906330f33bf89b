import { statusMiB } from './proc';

export interface MemoryPeak {
  /** VmRSS when the sampler started */
  startRssMiB: number;
  /** the largest VmRSS sampled while the sampler ran */
  peakRssMiB: number;
  /** VmHWM when the sampler stopped: the process's peak since it started (includes the setup before the sample) */
  hwmMiB: number;
  /** VmRSS at the end */
  endRssMiB: number;
}

/** Samples the resident memory of processes from /proc every `intervalMs` until stop(). */
export function sampleMemory(pids: Record<string, number>, intervalMs = 250) {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const starts = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, statusMiB(pid, 'VmRSS') ?? NaN]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      peaks[name] = Math.max(peaks[name], statusMiB(pid, 'VmRSS') ?? 0);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): Record<string, MemoryPeak> {
      clearInterval(timer);
      sample();
      return Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [
          name,
          {
            startRssMiB: starts[name],
            peakRssMiB: peaks[name],
            hwmMiB: statusMiB(pid, 'VmHWM') ?? NaN,
            endRssMiB: statusMiB(pid, 'VmRSS') ?? NaN,
          },
        ]),
      );
    },
  };
}
