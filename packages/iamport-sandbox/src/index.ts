import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../src/logger';
import { createApp } from './app';
import { AdjustableClock, type ClockSnapshot } from './clock';
import type { SandboxConfig, SandboxCore } from './core';
import { HangingRequests } from './fault-middleware';
import { FaultSettings } from './faults';
import type { SandboxHandle, SandboxOptions } from './options';
import { loadStateFile, StatePersister } from './persistence';
import { RouteRules } from './route-rules';
import { ScheduleRunner } from './scheduler';
import { deserializeState, emptyState, isMerchantUidTaken, serializeState } from './state';
import { WebhookDispatcher } from './webhooks';

export type { SandboxHandle, SandboxOptions } from './options';
export type { DeleteWithSchedules, PastScheduleAt } from './core';
export type { SandboxClock } from './clock';
export type { SandboxFaults, SandboxFaultsPatch } from './faults';
export type { SandboxRule, SandboxRuleInput } from './route-rules';
export type { LedgerCharge, LedgerRefund, LedgerWebhook, SandboxLedger } from './ledger';
export { TEST_CARDS, FAIL_REASONS } from './test-cards';
export { NO_FAULTS } from './faults';

/** Starts an in-memory iamport (PortOne) V1 API on a local port. See README.md. */
export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  if (!options.apiKey || !options.apiSecret) throw new Error('startSandbox: apiKey and apiSecret are required');
  const logger = options.logger ?? createLogger({ component: 'iamport-sandbox' });
  const loaded = options.persistPath ? loadStateFile(options.persistPath) : undefined;
  const state = loaded ? deserializeState(loaded) : emptyState();
  const clock = createClock(options.clock, loaded?.clock);
  const random = options.random ?? Math.random;
  const config: SandboxConfig = {
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    tokenLifetimeSec: options.tokenLifetimeSec ?? 1800,
    defaultNoticeUrl: options.defaultNoticeUrl ?? null,
    pgProvider: options.pgProvider ?? 'nice',
    pgId: options.pgId ?? 'nictest04m',
    hideSandboxPayments: options.hideSandboxPayments ?? false,
    pastScheduleAt: options.pastScheduleAt ?? 'run',
    deleteWithSchedules: options.deleteWithSchedules ?? 'keep',
  };
  const persister = options.persistPath
    ? new StatePersister(
        options.persistPath,
        () => serializeState(state, clock.snapshot()),
        (err) => logger.error('saving sandbox state failed', { err }),
      )
    : undefined;
  const changed = () => persister?.changed();
  const faults = new FaultSettings(options.faults);
  const webhooks = new WebhookDispatcher({
    clock,
    faults,
    ledger: () => state.ledger,
    changed,
    logger,
    random,
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    otherMerchantUid: (exclude) =>
      [...state.payments.values()].map((p) => p.payment.merchant_uid).find((uid) => uid !== exclude),
    unknownImpUid: () => {
      const candidate = () => `imp_9${String(Math.floor(random() * 1e11)).padStart(11, '0')}`;
      let impUid = candidate();
      while (state.payments.has(impUid) || isMerchantUidTaken(state, impUid)) impUid = candidate();
      return impUid;
    },
  });
  const core: SandboxCore = { config, state, clock, faults, webhooks, logger, random, changed };
  const runner = new ScheduleRunner(core);
  const hangs = new HangingRequests();
  const rules = new RouteRules();
  for (const rule of options.rules ?? []) rules.add(rule);
  const app = createApp(core, { admin: options.admin ?? false, runner, hangs, rules });
  const server = createServer(app.callback());
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  const stopWatchingClock = clock.onChange(() => {
    changed();
    runner.tick();
  });
  runner.start(options.tickMs ?? 250);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(options.host ?? '127.0.0.1')}:${port}`;
  logger.info('iamport sandbox listening', { url, admin: options.admin ?? false, persistPath: options.persistPath });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    clock,
    faults: { get: () => faults.get(), set: (patch) => faults.set(patch) },
    rules: {
      add: (rule) => rules.add(rule),
      list: () => rules.list(),
      remove: (id) => rules.remove(id),
      clear: () => rules.clear(),
    },
    ledger: () => structuredClone(state.ledger),
    runDue: () => runner.runDue(),
    webhooksIdle: () => webhooks.idle(),
    nextScheduledAt: () => runner.nextScheduledAt(),
    close: () => {
      closing ??= (async () => {
        runner.stop();
        stopWatchingClock();
        hangs.releaseAll();
        webhooks.close();
        await Promise.all([stopServer(server), webhooks.idle()]);
        await persister?.flush();
        logger.info('iamport sandbox stopped', { url });
      })();
      return closing;
    },
  };
}

/** Options win over the saved clock; without either the clock follows real time. */
function createClock(options: SandboxOptions['clock'], saved: ClockSnapshot | undefined): AdjustableClock {
  const clock = saved ? AdjustableClock.fromSnapshot(saved) : new AdjustableClock();
  if (options?.startAt !== undefined) clock.set(options.startAt);
  if (options?.frozen) clock.freeze();
  return clock;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
