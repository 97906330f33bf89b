import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { percentile } from './util';

const EventType = temporal.api.enums.v1.EventType;
const SAMPLE = 50;

export interface Stages {
  sampled: number;
  /** p50 / p99 per stage, in ms, summed per cycle */
  stages: { stage: string; p50Ms: number; p99Ms: number }[];
  /** share of the sampled cycles in which a workflow task timed out (sticky queue schedule-to-start, 10 s) */
  timedOutShare: number;
}

const STAGES = [
  'release → signal',
  'workflow tasks queued',
  'workflow tasks in the worker + completion',
  'activities queued',
  'activities running',
  'other',
] as const;
type StageName = (typeof STAGES)[number];

const eventMs = (event: temporal.api.history.v1.IHistoryEvent) => {
  const t = event.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN;
};

/** Which stage the time between two consecutive events belongs to (named after the later event). */
function stageOf(next: temporal.api.enums.v1.EventType | null | undefined): StageName {
  switch (next) {
    case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
    case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
      return 'workflow tasks queued';
    case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      return 'workflow tasks in the worker + completion';
    case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
      return 'activities queued';
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      return 'activities running';
    default:
      return 'other';
  }
}

/**
 * Where a verified cycle's time went, from the histories of a sample of the runs that continued as new: from the
 * release to the signal, then, from the signal to the continue-as-new, time in task queues (waiting for a worker to
 * poll), in workflow tasks (the worker's work plus its completion call) and in activities.
 */
export async function stageBreakdown(
  client: Client,
  runs: { workflowId: string; runId: string }[],
  releasedAt: number,
): Promise<Stages> {
  const step = Math.max(1, Math.floor(runs.length / SAMPLE));
  const sample = runs.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  const perStage = new Map<StageName, number[]>(STAGES.map((stage) => [stage, []]));
  let timedOut = 0;
  for (const { workflowId, runId } of sample) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    let signal = events.length - 1;
    while (signal >= 0 && events[signal].eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) signal--;
    if (signal < 0) continue;
    const sums = new Map<StageName, number>([['release → signal', eventMs(events[signal]) - releasedAt]]);
    for (let i = signal + 1; i < events.length; i++) {
      const stage = stageOf(events[i].eventType);
      sums.set(stage, (sums.get(stage) ?? 0) + eventMs(events[i]) - eventMs(events[i - 1]));
    }
    if (events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)) timedOut += 1;
    for (const stage of STAGES) perStage.get(stage)!.push(sums.get(stage) ?? 0);
  }
  return {
    sampled: sample.length,
    stages: STAGES.map((stage) => ({
      stage,
      p50Ms: percentile(perStage.get(stage)!, 50),
      p99Ms: percentile(perStage.get(stage)!, 99),
    })),
    timedOutShare: sample.length > 0 ? timedOut / sample.length : NaN,
  };
}
