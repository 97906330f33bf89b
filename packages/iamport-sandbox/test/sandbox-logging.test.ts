import { addLogSink } from '../../../src/logger';
import type { SandboxHandle } from '../src';
import { API_KEY, httpClient, scheduleItem, startTestSandbox, startWebhookReceiver } from './sandbox-helpers';

const CARDS = ['4242-4242-4242-4242', '4000-0000-0000-0002', '4000-0000-0000-0120', '4000-0000-0000-0001'];
const BIRTH = '880214';
const EXPIRY = '2033-07';
const SECRET = 'sk_marker_secret_9f3a';

describe('sandbox: logs never contain card data or secrets', () => {
  const lines: string[] = [];
  let removeSink: () => void;
  let sandbox: SandboxHandle;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    removeSink = addLogSink((line) => lines.push(line));
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox({
      apiSecret: SECRET,
      defaultNoticeUrl: receiver.url,
      faults: { webhookCopies: 2 },
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
    removeSink();
  });

  it('logs issuance, charges and webhooks with masked cards only', async () => {
    const token = await httpClient(sandbox.url).post('/users/getToken', { imp_key: API_KEY, imp_secret: SECRET });
    const api = httpClient(sandbox.url, { Authorization: `Bearer ${token.data.response.access_token}` });
    for (const [i, card_number] of CARDS.entries()) {
      const uid = `log_${i}`;
      await api.post(`/subscribe/customers/${uid}`, { card_number, expiry: EXPIRY, birth: BIRTH, pwd_2digit: '47' });
      const form = new URLSearchParams({ card_number: card_number.replace(/-/g, ''), expiry: EXPIRY, birth: BIRTH });
      await api.post(`/subscribe/customers/${uid}_form`, form.toString(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      await api.post('/subscribe/payments/schedule', {
        customer_uid: uid,
        schedules: [scheduleItem(`log_${i}_s`, sandbox.clock.nowSeconds() + 1)],
      });
      await api.post('/subscribe/payments/again', { customer_uid: uid, merchant_uid: `log_${i}_a`, amount: 100 });
    }
    // Bad inputs go through the error paths too.
    await api.post('/subscribe/customers/log_bad', { card_number: '4242-4242-4242-424', expiry: EXPIRY });
    await api.post('/subscribe/customers/log_bad', { card_number: { n: CARDS[0] }, expiry: EXPIRY });
    sandbox.clock.advance(1000);
    await sandbox.runDue();

    const log = lines.join('\n');
    // The logs did record the card-related events, with the masked number.
    expect(log).toContain('424242******4242');
    expect(log).toContain('"msg":"charge"');
    expect(log).toContain('"msg":"webhook"');
    for (const card of CARDS) {
      expect(log).not.toContain(card);
      expect(log).not.toContain(card.replace(/-/g, ''));
    }
    expect(log).not.toContain(BIRTH);
    expect(log).not.toContain(EXPIRY);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(token.data.response.access_token);
  });
});
