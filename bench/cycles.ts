import type { Client } from '@temporalio/client';
import type { CpuUsage } from './proc';
import { stageBreakdown, type Stages } from './stages';
import { percentile } from './util';
import { closedRuns } from './visibility';

export interface CycleTimings {
  cycles: number;
  completed: number;
  /** release to the last verified cycle */
  wallMs: number;
  cyclesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  cpu: CpuUsage;
  /** where a cycle's time went, from a sample of histories */
  stages: Stages;
}

/** Per-cycle latencies (release → close of the run), throughput and a stage breakdown, once the cycles are done. */
export async function cycleTimings(
  client: Client,
  query: string,
  cycles: number,
  releasedAt: number,
  cpu: CpuUsage,
): Promise<CycleTimings> {
  const runs = await closedRuns(client, query);
  const latencies = runs.map((run) => run.closedAt - releasedAt);
  const wallMs = latencies.length > 0 ? latencies[latencies.length - 1] : NaN;
  return {
    cycles,
    completed: runs.length,
    wallMs,
    cyclesPerSecond: runs.length / (wallMs / 1000),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    latencyMaxMs: wallMs,
    cpu,
    stages: await stageBreakdown(client, runs, releasedAt),
  };
}
