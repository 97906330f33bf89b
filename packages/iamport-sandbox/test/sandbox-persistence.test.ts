import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authedClient,
  getToken,
  httpClient,
  issueKey,
  scheduleItem,
  startTestSandbox,
  startWebhookReceiver,
  T0,
  T0_SEC,
} from './sandbox-helpers';

describe('sandbox: persistence to a JSON file', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iamport-sandbox-'));
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes schedules after a restart and executes each exactly once', async () => {
    const persistPath = join(dir, 'nested', 'state.json');
    const first = await startTestSandbox({ persistPath, defaultNoticeUrl: receiver.url });
    const token = await getToken(first);
    const api = httpClient(first.url, { Authorization: token });
    await issueKey(api, 'persisted');
    await api.post('/subscribe/payments/schedule', {
      customer_uid: 'persisted',
      schedules: [scheduleItem('p_1', T0_SEC + 3600), scheduleItem('p_2', T0_SEC + 7200)],
    });
    await first.close();

    const saved = readFileSync(persistPath, 'utf8');
    expect(saved).toContain('p_1');
    expect(saved).not.toContain('4242424242424242');
    expect(saved).not.toContain('4242-4242-4242-4242');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']);

    // Same clock options as before: the restarted sandbox still knows the customer, the schedules and the token.
    const second = await startTestSandbox({ persistPath, defaultNoticeUrl: receiver.url });
    const api2 = httpClient(second.url, { Authorization: token });
    expect((await api2.get('/subscribe/customers/persisted')).data.response.card_number).toBe('424242******4242');
    expect(second.nextScheduledAt()).toBe((T0_SEC + 3600) * 1000);
    second.clock.advance(3_600_000);
    await second.runDue();
    expect(receiver.received.map((r) => r.body.merchant_uid)).toEqual(['p_1']);
    expect((await api2.get('/subscribe/payments/schedule/p_1')).data.response.schedule_status).toBe('executed');
    await second.close();

    // No clock options: the saved clock (T0 + 1 h, frozen) is restored.
    const third = await startTestSandbox({ persistPath, defaultNoticeUrl: receiver.url, clock: undefined });
    expect(third.clock.now()).toBe(T0 + 3_600_000);
    expect(third.clock.isFrozen()).toBe(true);
    third.clock.advance(3_600_000);
    await third.runDue();
    expect(receiver.received.map((r) => r.body.merchant_uid)).toEqual(['p_1', 'p_2']);
    const charges = third.ledger().charges.map((c) => c.merchant_uid);
    expect(charges).toEqual(['p_1', 'p_2']);
    const api3 = await authedClient(third);
    const p1 = (await api3.get('/subscribe/payments/schedule/p_1')).data.response;
    expect((await api3.get(`/payments/${p1.imp_uid}`)).data.response.status).toBe('paid');
    await third.close();
  });

  it('refuses to start from a corrupt state file', async () => {
    const persistPath = join(dir, 'corrupt.json');
    writeFileSync(persistPath, '{"version": 1, "seq": ');
    await expect(startTestSandbox({ persistPath })).rejects.toThrow(/not valid JSON/);
    writeFileSync(persistPath, '{"version": 2}');
    await expect(startTestSandbox({ persistPath })).rejects.toThrow(/not a version 1/);
  });
});
