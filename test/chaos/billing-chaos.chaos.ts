/**
 * End-to-end chaos: the local stack's real processes (Temporal dev server, iamport sandbox, billing worker, HTTP
 * server) bill CHAOS_SUBSCRIPTIONS subscriptions (default 200) every 40 s while the worker is SIGKILLed three times,
 * the Temporal dev server restarts on its database, iamport fails 30 % of calls after 2 s and webhooks are duplicated,
 * delayed, reordered, dropped and forged. Merchant events go to a receiver that fails 30 % of deliveries and is down
 * while Temporal restarts. Then the faults stop, the system settles, and the sandbox's ledger is audited, the events
 * received against it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_FAULTS, type SandboxFaultsPatch } from 'iamport-sandbox';
import { startPostgresTemporal, type PostgresTemporal } from '../../tools/local-stack/postgres-cluster';
import { startLocalStack, type LocalStack } from '../../tools/local-stack/stack';
import type { SubscriptionView } from '../../workflows/view';
import { billingDataConverter } from '../../src/temporal/data-converter';
import { cancelsAcceptedAt } from './cancel-acceptance';
import { auditRefunds } from './refund-audit';
import { workflowsNotCompleted } from './workflow-outcomes';
import { auditLedger, type Findings, type Snapshot } from './ledger-audit';
import { figuresTable, measure } from './figures';
import { mapLimit, sleep } from './http';
import { INTERVAL_MS, planPopulation, type PlannedSubscription } from './population';
import { ProcessChaos } from './process-chaos';
import { injectedFailures, SandboxAdmin, scheduleRegistrations } from './sandbox-admin';
import { SubscriptionApi, type CancelRecord, type RefundAnswer } from './subscription-api';
import { auditEvents, type EventFindings } from './event-audit';
import { newSecret, startEventReceiver, type EventReceiver } from '../helpers/event-receiver';

const SUBSCRIPTIONS = Number(process.env.CHAOS_SUBSCRIPTIONS ?? 200);

// 30 % of iamport calls answer 500: half before anything happens, half after the call took effect.
const CHAOS_FAULTS: SandboxFaultsPatch = {
  failBeforeRate: 0.15,
  failAfterRate: 0.15 / 0.85,
  latencyMs: 2_000,
  webhookCopies: 3,
  webhookDelayMs: 3_000,
  webhookReorder: true,
  webhookDropRate: 0.1,
  webhookForgeRate: 0.05,
};

/**
 * Seconds after the first charge (periods are 40 s): kills and the Temporal stop land a few seconds into a period, while
 * its charges are being handled; the second cancel round comes at a period's start, racing its charges.
 */
const TIMELINE = {
  workerKills: [45, 126, 207],
  temporalStop: 86,
  cancelRounds: [65, 160] as const,
  refunds: 100,
  faultsOff: 240,
};
const WORKER_DOWN_MS = 5_000;
/** Share of event deliveries the merchant's endpoint answers 500 while the chaos lasts. */
const EVENT_FAILURE_RATE = 0.3;
const EVENTS_SECRET = newSecret();
const EVENTS_SETTLE_LIMIT_MS = 360_000;
const TEMPORAL_DOWN_MS = 15_000;
const SETTLE_LIMIT_MS = 300_000;
/** Checks happen this far into a period: anchors spread over its first 10 s, so every charge has been handled. */
const QUIET_PHASE_MS = 25_000;

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

describe(`billing ${SUBSCRIPTIONS} subscriptions through crashes, restarts and a faulty iamport`, () => {
  let dataDir: string;
  let stack: LocalStack | undefined;
  let cluster: PostgresTemporal | undefined;
  let passed = false;
  let suiteStartedAt = 0;
  let receiver: EventReceiver;
  let failingEvents = true;

  beforeAll(async () => {
    suiteStartedAt = Date.now();
    dataDir = mkdtempSync(join(tmpdir(), 'billing-chaos-'));
    const [temporal, temporalUi, sandbox, http, metrics] = await freePorts(5);
    // CHAOS_TEMPORAL=postgres: the Temporal server on PostgreSQL (npm run setup:temporal-postgres) instead of the dev
    // server; it is stopped and restarted the same way.
    if (process.env.CHAOS_TEMPORAL === 'postgres') {
      cluster = await startPostgresTemporal({ dataDir: mkdtempSync(join(tmpdir(), 'billing-chaos-postgres-')) });
    }
    receiver = await startEventReceiver({
      secrets: [EVENTS_SECRET],
      answer: () => ({ status: failingEvents && Math.random() < EVENT_FAILURE_RATE ? 500 : 204 }),
    });
    stack = await startLocalStack({
      dataDir,
      ports: { temporal, temporalUi, sandbox, http, metrics },
      temporalAddress: cluster?.address,
      // Lost webhooks are looked up 10 s after the charge time instead of 15 minutes.
      env: { PAYMENT_RESULT_GRACE: 'PT10S', EVENTS_URL: receiver.url, EVENTS_SECRET },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
    await receiver?.close();
    if (passed) {
      rmSync(dataDir, { recursive: true, force: true });
      if (cluster) rmSync(cluster.dataDir, { recursive: true, force: true });
    } else {
      process.stdout.write(`\nchaos run data and logs kept in ${dataDir}\n`);
    }
  });

  it('charges every due period exactly once, nothing after a cancel, and accepts no forged payment', async () => {
    const startedAt = Date.now();
    const chaos = new ProcessChaos(stack!, startedAt, cluster?.processes.temporal ?? stack!.temporal);
    const sandbox = new SandboxAdmin(stack!.urls.sandbox!);
    const api = new SubscriptionApi(stack!.urls.api, stack!.apiToken);

    await sandbox.setFaults(CHAOS_FAULTS);
    chaos.note('sandbox faults on');
    // Signups go through the faulty iamport too; they finish before the first charge.
    const firstChargeMs = Math.ceil((Date.now() + 20_000 + SUBSCRIPTIONS * 250) / 1000) * 1000;
    const planned = planPopulation(SUBSCRIPTIONS, Date.now().toString(36).slice(-5), firstChargeMs);
    const signups = await mapLimit(planned, 40, (p) => api.signUp(p));
    chaos.note(
      `${signups.length} signed up, ${((firstChargeMs - Date.now()) / 1000).toFixed(0)} s before the first charge`,
    );
    expect(signups.filter((s) => s.error)).toEqual([]);

    const at = (seconds: number) => sleep(firstChargeMs + seconds * 1000 - Date.now());
    const cancels = new Map<string, CancelRecord>();
    const processTrack = async () => {
      await at(TIMELINE.workerKills[0]);
      await chaos.killWorker(WORKER_DOWN_MS);
      await at(TIMELINE.temporalStop);
      // The merchant's endpoint is down too while Temporal restarts: connections refused.
      await receiver.down();
      chaos.note('merchant event endpoint down');
      await chaos.restartTemporal(TEMPORAL_DOWN_MS);
      await receiver.up();
      chaos.note('merchant event endpoint up');
      for (const second of TIMELINE.workerKills.slice(1)) {
        await at(second);
        await chaos.killWorker(WORKER_DOWN_MS);
      }
    };
    const cancelRound = async (round: 1 | 2) => {
      await at(TIMELINE.cancelRounds[round - 1]);
      const targets = planned.filter((p) => p.cancel_round === round);
      chaos.note(`cancel round ${round}: ${targets.length} subscriptions`);
      // The second round's immediate cancels refund the latest charge in full, racing the next one.
      const records = await mapLimit(targets, 20, (p) =>
        p.role === 'cancels-at-period-end'
          ? api.cancel(p.id, true)
          : api.cancel(p.id, false, round === 2 ? 'full' : undefined),
      );
      for (const record of records) cancels.set(record.id, record);
      const slowest = Math.max(...records.map((r) => r.confirmed_at_ms - r.requested_at_ms));
      chaos.note(`cancel round ${round} confirmed (the slowest after ${(slowest / 1000).toFixed(0)} s)`);
    };
    const refundAnswers: RefundAnswer[] = [];
    const refundTrack = async () => {
      await at(TIMELINE.refunds);
      // Partial refunds of renewing subscriptions while they are charged: each request twice at once with its key,
      // and another one with a key of its own.
      const targets = planned.filter((p, i) => p.role === 'renews' && i % 10 === 1);
      chaos.note(`refund round: ${targets.length} subscriptions`);
      const answers = await mapLimit(targets, 10, (p) =>
        Promise.all([
          api.refund(p.id, { amount: 200, reason: `chaos-twice-${p.id}` }, `refund-twice-${p.id}`),
          api.refund(p.id, { amount: 200, reason: `chaos-twice-${p.id}` }, `refund-twice-${p.id}`),
          api.refund(p.id, { amount: 300, reason: `chaos-other-${p.id}` }, `refund-other-${p.id}`),
        ]),
      );
      refundAnswers.push(...answers.flat());
      const byStatus = new Map<number, number>();
      for (const a of refundAnswers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      chaos.note(`refund round answered: ${[...byStatus].map(([status, n]) => `${n}× ${status}`).join(', ')}`);
    };
    const tracks = Promise.all([processTrack(), cancelRound(1), cancelRound(2), refundTrack()]);
    tracks.catch(() => undefined); // awaited below, after the faults are off
    await at(TIMELINE.faultsOff);
    await sandbox.setFaults(NO_FAULTS);
    failingEvents = false;
    const chaosMs = Date.now() - startedAt;
    chaos.note('sandbox faults off; settling');
    await tracks;
    const accepted = await cancelsAcceptedAt(
      stack!.urls.temporal,
      [...cancels.keys()],
      billingDataConverter(stack!.encryptionKeys),
    );
    for (const record of cancels.values()) record.accepted_at_ms = accepted.get(record.id);

    const settleStarted = Date.now();
    let snapshot: Snapshot;
    let findings: Findings;
    for (;;) {
      await sleep(nextQuietMoment(firstChargeMs) - Date.now());
      snapshot = await takeSnapshot(sandbox, stack!.sandbox!.spec.logFile, api, planned);
      findings = auditLedger(planned, cancels, snapshot);
      chaos.note(`audit: ${findings.violations.length} violations, ${findings.lags.length} lags`);
      if (findings.violations.length > 0 || findings.lags.length === 0) break;
      if (Date.now() - settleStarted > SETTLE_LIMIT_MS) break;
    }
    const settleMs = Date.now() - settleStarted;
    const refundViolations = auditRefunds(snapshot.ledger, refundAnswers);
    // Events: a delivery that failed twice waits 5 min, three times 30 min (the Standard Webhooks schedule); the
    // operator's redeliver sends what is still pending now that the endpoint answers.
    const eventsStarted = Date.now();
    let eventFindings: EventFindings;
    for (;;) {
      // Subscriptions keep renewing: the events received are copied before the ledger is read, at a quiet moment of
      // a period (its charges handled), so every event received has its charge in the ledger read after it.
      await sleep(nextQuietMoment(firstChargeMs) - Date.now());
      const received = [...receiver.received];
      const current = await takeSnapshot(sandbox, stack!.sandbox!.spec.logFile, api, planned);
      eventFindings = auditEvents(planned, current.ledger, current.states, received, EVENTS_SECRET);
      chaos.note(`event audit: ${eventFindings.violations.length} violations, ${eventFindings.lags.length} lags`);
      if (eventFindings.violations.length > 0 || eventFindings.lags.length === 0) break;
      if (Date.now() - eventsStarted > EVENTS_SETTLE_LIMIT_MS) break;
      const redelivered = await mapLimit(planned, 20, (p) => api.redeliverPending(p.id));
      chaos.note(`redelivered ${redelivered.reduce((a, b) => a + b, 0)} pending events`);
    }
    const failedDeliveries = receiver.received.filter((e) => e.answered >= 300).length;
    const notCompleted = await workflowsNotCompleted(stack!.urls.temporal, billingDataConverter(stack!.encryptionKeys));

    const facts = {
      planned,
      signups,
      cancels: [...cancels.values()],
      states: snapshot.states,
      ledger: snapshot.ledger,
      chargedAfterAcceptedCancel: findings.chargedAfterAcceptedCancel,
      unverifiedPayments: findings.unverifiedPayments,
      injected: injectedFailures(stack!.sandbox!.spec.logFile),
      workerKills: chaos.workerKills,
      temporalRestarts: chaos.temporalRestarts,
      unexpectedExits: chaos.unexpectedExits,
      wallMs: Date.now() - suiteStartedAt,
      chaosMs,
      settleMs,
    };
    const figures = measure(facts);
    process.stdout.write(
      `\nchaos timeline:\n${chaos.log.map((line) => `  ${line}`).join('\n')}\n\nfigures:\n${figuresTable(facts, figures)}\n` +
        (findings.violations.length + findings.lags.length + refundViolations.length > 0
          ? `\nfindings:\n${[...refundViolations, ...findings.violations, ...findings.lags]
              .slice(0, 40)
              .map((line) => `  ${line}`)
              .join('\n')}\n`
          : ''),
    );

    process.stdout.write(
      `\nmerchant events: ${receiver.received.length} deliveries, ${failedDeliveries} answered 500, ` +
        `distinct ids by type ${JSON.stringify(eventFindings.counts)}\n` +
        (eventFindings.violations.length + eventFindings.lags.length > 0
          ? `event findings:\n${[...eventFindings.violations, ...eventFindings.lags]
              .slice(0, 40)
              .map((line) => `  ${line}`)
              .join('\n')}\n`
          : ''),
    );

    expect(findings.violations).toEqual([]);
    expect(refundViolations).toEqual([]);
    expect(findings.lags).toEqual([]);
    expect(eventFindings.violations).toEqual([]);
    expect(eventFindings.lags).toEqual([]);
    // The endpoint really failed deliveries, and the events really covered payments, declines and cancels.
    expect(failedDeliveries).toBeGreaterThan(0);
    expect(eventFindings.counts['payment.succeeded']).toBeGreaterThan(0);
    expect(eventFindings.counts['payment.failed']).toBeGreaterThan(0);
    expect(eventFindings.counts['subscription.canceled']).toBeGreaterThan(0);
    expect(notCompleted).toEqual([]);
    expect(chaos.unexpectedExits).toEqual([]);
    expect(chaos.workerKills).toBe(3);
    expect(chaos.temporalRestarts).toBe(1);
    // The faults really happened, and the system really coped with each kind.
    expect(facts.injected.before + facts.injected.after).toBeGreaterThan(0);
    expect(figures.webhooks.duplicated).toBeGreaterThan(0);
    expect(figures.webhooks.dropped).toBeGreaterThan(0);
    expect(figures.webhooks.forged).toBeGreaterThan(0);
    expect(figures.duplicatesSuppressed).toBeGreaterThan(0);
    expect(figures.ignoredNotifications).toBeGreaterThan(0);
    expect(figures.reconciliations).toBeGreaterThan(0);
    expect(figures.cyclesPerRenewing.min).toBeGreaterThanOrEqual(TIMELINE.faultsOff / (INTERVAL_MS / 1000));
    passed = true;
  });
});

/** The next moment QUIET_PHASE_MS into a billing period, at least a second from now. */
function nextQuietMoment(firstChargeMs: number): number {
  const sinceFirst = Date.now() + 1_000 - firstChargeMs;
  const periods = Math.ceil((sinceFirst - QUIET_PHASE_MS) / INTERVAL_MS);
  return firstChargeMs + periods * INTERVAL_MS + QUIET_PHASE_MS;
}

async function takeSnapshot(
  sandbox: SandboxAdmin,
  sandboxLog: string,
  api: SubscriptionApi,
  planned: PlannedSubscription[],
): Promise<Snapshot> {
  const atMs = await sandbox.now();
  const states = await mapLimit(planned, 16, (p) => api.state(p.id));
  const ledger = await sandbox.ledger();
  return {
    registeredAt: scheduleRegistrations(sandboxLog),
    atMs,
    ledger,
    states: new Map<string, SubscriptionView | undefined>(planned.map((p, i) => [p.id, states[i]])),
  };
}
