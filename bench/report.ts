import { DEFAULT_WORKER_CACHED_WORKFLOWS } from '../src/config';
import type { BenchArgs } from './args';
import type { BurstResult } from './burst';
import type { CodecCost } from './codec-cost';
import type { CostResult, CycleCost } from './cost';
import type { Machine } from './machine';
import type { NoopResult } from './noop-ceiling';
import type { CpuUsage } from './proc';
import type { Stages } from './stages';
import type { IngestResult, SteadyFigures } from './webhook-ingest';

export interface BenchResults {
  args: BenchArgs;
  machine: Machine;
  cost?: CostResult;
  noop?: NoopResult;
  burst: BurstResult;
  ingest?: IngestResult;
  /** 10-second samples taken during the run, and how many saw another jest process */
  otherJest: { samples: number; busy: number };
  totalSeconds: number;
}

type Row = string[];

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–');
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '–');
const n = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

function table(title: string, header: Row, rows: Row[]): string {
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((row) => (row[c] ?? '').length)));
  const line = (row: Row) =>
    row
      .map((cell, c) => (cell ?? '').padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [title, line(header), rule, ...rows.map(line)].join('\n');
}

function cpuCell(usage: CpuUsage | undefined): string {
  if (!usage) return '–';
  return Object.entries(usage.cores)
    .filter(([, cores]) => cores >= 0.005)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
}

function burstTable({ burst, noop }: BenchResults): string {
  const ratio = noop ? burst.cyclesPerSecond / noop.cyclesPerSecond : NaN;
  const complete = burst.completed === burst.cycles;
  const rows: Row[] = [
    [
      'cycles verified',
      `${burst.completed} / ${burst.cycles}`,
      noop ? `${noop.completed} / ${noop.cycles}` : '–',
      '',
      'all',
      verdict(complete),
    ],
    ['wall time, release → last verified', s(burst.wallMs), noop ? s(noop.wallMs) : '–', '', '', ''],
    [
      'cycles per second',
      n(burst.cyclesPerSecond),
      noop ? n(noop.cyclesPerSecond) : '–',
      n(ratio, 2),
      '≥ 0.80× no-op',
      noop ? verdict(ratio >= 0.8) : '–',
    ],
    ['charge → verified p50', s(burst.latencyP50Ms), noop ? s(noop.latencyP50Ms) : '–', '', '', ''],
    ['charge → verified p99', s(burst.latencyP99Ms), noop ? s(noop.latencyP99Ms) : '–', '', '', ''],
    ['CPU cores used (average)', cpuCell(burst.cpu), cpuCell(noop?.cpu), '', '', ''],
  ];
  const hooks = burst.webhooks;
  const relay = burst.relay;
  const notes = [
    `  setup (keys, sign-ups, registrations) ${n(burst.setupSeconds, 0)} s, not timed.`,
    relay
      ? `  relay: ${relay.received} notifications from the sandbox, ${relay.forwarded} forwarded, ${relay.failed} failed.`
      : '',
    `  webhooks answered by the HTTP server: ${hooks.count} (${hooks.non200} not 200) over ${s(hooks.spanMs)} ` +
      `= ${n(hooks.count / (hooks.spanMs / 1000))}/s, server time p50 ${ms(hooks.serverP50Ms)} p99 ${ms(hooks.serverP99Ms)}`,
    noop ? `  no-op: the bench sent its ${noop.cycles} signals in ${s(noop.signalsSentMs)}.` : '',
  ].filter(Boolean);
  return [
    table(
      `Billing-day burst: ${burst.cycles} subscriptions due at one instant`,
      ['', 'billing', 'no-op ceiling', 'ratio', 'target', ''],
      rows,
    ),
    ...notes,
  ].join('\n');
}

function stagesTable({ burst, noop }: BenchResults): string {
  const cell = (stages: Stages | undefined, index: number) => {
    const stage = stages?.stages[index];
    return stage ? `${s(stage.p50Ms)} / ${s(stage.p99Ms)}` : '–';
  };
  const rows = burst.stages.stages.map((stage, i) => [stage.stage, cell(burst.stages, i), cell(noop?.stages, i)]);
  const share = (stages?: Stages) => (stages ? `${n(stages.timedOutShare * 100, 0)} %` : '–');
  rows.push(['cycles with a workflow task timeout', share(burst.stages), share(noop?.stages)]);
  return table(
    `Where a cycle's time went (p50 / p99 per cycle over ${burst.stages.sampled} sampled histories)`,
    ['', 'billing', 'no-op'],
    rows,
  );
}

function steadyRows(steady: SteadyFigures, target: boolean): Row[] {
  return [
    [
      `steady ${steady.targetRate}/s for ${steady.seconds} s`,
      `${n(steady.rate)}/s achieved, ${steady.sent} sent (${steady.errors} errors)`,
    ],
    ['  latency p50', ms(steady.p50Ms)],
    [
      '  latency p99',
      ms(steady.p99Ms),
      '',
      '',
      target ? '< 50 ms' : '',
      target ? verdict(steady.p99Ms < 50 && steady.errors === 0) : '',
    ],
    ['  latency max', ms(steady.maxMs)],
  ];
}

function ingestTable(ingest: IngestResult): string {
  const { raw, webhook, steady } = ingest;
  const ratio = webhook.rate / raw.rate;
  const rows: Row[] = [
    [
      `max rate, ${ingest.concurrency} in flight`,
      `${n(webhook.rate)}/s`,
      `${n(raw.rate)}/s`,
      n(ratio, 2),
      '≥ 0.70× raw',
      verdict(ratio >= 0.7),
    ],
    ['  requests (errors)', `${webhook.sent} (${webhook.errors})`, `${raw.sent} (${raw.errors})`, '', '', ''],
    ['  latency p50 / p99', `${ms(webhook.p50Ms)} / ${ms(webhook.p99Ms)}`, `${ms(raw.p50Ms)} / ${ms(raw.p99Ms)}`],
    ...steadyRows(steady, true),
    ...(ingest.sustainable ? steadyRows(ingest.sustainable, false) : []),
  ];
  return table(
    'Webhook ingest (copies of real notifications)',
    ['', 'Koa endpoint', 'raw signal', 'ratio', 'target', ''],
    rows,
  );
}

function costRow(name: string, cost: CycleCost, target: boolean): Row {
  const a = cost.actions;
  return [
    name,
    `${cost.events} (${n(cost.bytes / 1024)} KiB)`,
    `${a.start} / ${a.activities} / ${a.signals} / ${a.timers} / ${a.upserts}`,
    String(cost.billable),
    target ? '≤ 6' : '',
    target ? verdict(cost.billable <= 6) : '',
  ];
}

function costTable(cost: CostResult): string {
  return (
    table(
      'Cost per cycle (one run of the workflow)',
      [
        '',
        'history events (size)',
        'start / activities / signals / timers / upserts',
        'billable actions',
        'target',
        '',
      ],
      [
        costRow('happy cycle', cost.happy, true),
        costRow('happy cycle, merchant events on', cost.happyWithEvents, true),
        costRow('dunning cycle (1 decline, retry paid)', cost.dunning, false),
      ],
    ) + `\n${codecNote(cost.codec)}`
  );
}

function codecNote(codec: CodecCost): string {
  const perCycle = codec.encodeMs + codec.decodeMs;
  return (
    `  payload encryption ${codec.encrypted ? 'on' : 'off (timed with a throwaway key: the cost of turning it on)'}: ` +
    `${codec.payloads} payloads (${n(codec.plainBytes / 1024)} KiB) per happy cycle, encode ${n(codec.encodeMs, 3)} ms + ` +
    `decode ${n(codec.decodeMs, 3)} ms = ${n(perCycle, 3)} ms of CPU per cycle, each payload encoded and decoded once ` +
    `(${n(perCycle * 1000, 0)} ms per 1 000 cycles)`
  );
}

/** Memory per cached workflow, when every workflow fits the cache; otherwise only how much the process grew. */
const growth = (before: number, after: number, workflows: number, cached: number) =>
  workflows <= cached
    ? `≈ ${n(((after - before) * 1024) / workflows, 0)} KiB each while cached`
    : `+${n(after - before, 0)} MiB while at most ${cached} of them were cached`;

function memoryTable(burst: BurstResult, cachedWorkflows: number, noop?: NoopResult): string {
  const rows = Object.entries(burst.memory).map(([name, m]) => [
    name,
    `${n(m.startRssMiB, 0)} MiB`,
    `${n(m.peakRssMiB, 0)} MiB`,
    `${n(m.endRssMiB, 0)} MiB`,
    `${n(m.hwmMiB, 0)} MiB`,
    name === 'worker' ? '< 512 MB (488 MiB)' : '',
    name === 'worker' ? verdict(m.peakRssMiB * 1.048576 < 512) : '',
  ]);
  const worker = burst.memory.worker;
  const notes = [
    `  worker: ${n(burst.workerRssBeforeMiB, 0)} MiB before the sign-ups, ${n(worker.startRssMiB, 0)} MiB with ` +
      `${burst.cycles} subscriptions waiting (${growth(burst.workerRssBeforeMiB, worker.startRssMiB, burst.cycles, cachedWorkflows)})`,
    noop
      ? `  no-op worker: ${n(noop.workerRssBeforeMiB, 0)} MiB before, ${n(noop.workerRssWaitingMiB, 0)} MiB with ` +
        `${noop.cycles} waiting (${growth(noop.workerRssBeforeMiB, noop.workerRssWaitingMiB, noop.cycles, cachedWorkflows)})`
      : '',
  ].filter(Boolean);
  return [
    table(
      `Memory during the burst (${burst.cycles} subscriptions)`,
      ['', 'RSS at release', 'peak RSS (sampled)', 'RSS at end', 'VmHWM since start', 'target', ''],
      rows,
    ),
    ...notes,
  ].join('\n');
}

function temporalDescription(args: BenchArgs): string {
  if (args.temporal === 'postgres') return 'PostgreSQL';
  if (args.temporalInMemory) return 'in memory';
  if (args.temporalPragmas.length > 0) return `SQLite file, pragmas ${args.temporalPragmas.join(' ')}`;
  return 'SQLite file, as npm start';
}

export function renderReport(results: BenchResults): string {
  const { machine, args } = results;
  const { samples, busy } = results.otherJest;
  const idle =
    busy === 0
      ? `no other jest process seen during the run (${samples} samples, every 10 s)`
      : `OTHER jest processes were running in ${busy} of ${samples} samples (every 10 s): figures disturbed`;
  const header = [
    `npm run bench -- ${process.argv.slice(2).join(' ') || '(defaults)'}   ${machine.date}`,
    `machine: ${machine.cpus}, ${n(machine.memoryGiB)} GiB RAM, node ${machine.node}, ` +
      `load average at start ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}; ${idle}`,
    `everything on this machine: ${args.temporal === 'postgres' ? 'Temporal server' : 'Temporal dev server'} (${temporalDescription(args)}), ` +
      `payload encryption ${args.encryption ? 'on' : 'off'}, ` +
      `iamport sandbox (state file ${args.persistSandbox ? 'on' : 'off'}), worker, HTTP server, bench; total ${n(results.totalSeconds, 0)} s`,
    `webhooks: ${args.serialWebhooks ? 'posted by the sandbox one at a time' : `sandbox → relay → HTTP server, ${args.concurrency} in flight`}; ` +
      `worker and server heap limit: ${args.nodeHeapMb > 0 ? `${args.nodeHeapMb} MB` : "Node's default"}; ` +
      `workflow cache: ${args.cachedWorkflows ?? DEFAULT_WORKER_CACHED_WORKFLOWS} per worker`,
  ].join('\n');
  const sections = [
    header,
    burstTable(results),
    stagesTable(results),
    results.ingest ? ingestTable(results.ingest) : '',
    results.cost ? costTable(results.cost) : '',
    memoryTable(results.burst, args.cachedWorkflows ?? DEFAULT_WORKER_CACHED_WORKFLOWS, results.noop),
  ];
  return sections.filter(Boolean).join('\n\n') + '\n';
}
