/**
 * The dashboard at the sandbox's root URL, in a real browser (Debian's Chromium driven by playwright-core): a billing
 * day happens in the sandbox and shows up in its tables. The screenshot goes to test-output/screenshots/;
 * UPDATE_DOCS_SCREENSHOT=1 also refreshes the package README's picture.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../../../test/helpers/browser';
import type { SandboxHandle } from '../src';
import {
  authedClient,
  httpClient,
  issueKey,
  scheduleItem,
  startTestSandbox,
  startWebhookReceiver,
  T0_SEC,
} from './sandbox-helpers';

const ROOT = join(__dirname, '..', '..', '..');
const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');
const DOCS_SCREENSHOT = join(__dirname, '..', 'docs', 'dashboard.png');
const HOUR = 3600;

describe('sandbox dashboard: HTML and JSON', () => {
  let sandbox: SandboxHandle;
  afterEach(() => sandbox?.close());

  it('renders what merchants sent escaped, never as markup', async () => {
    sandbox = await startTestSandbox({ admin: true });
    const api = await authedClient(sandbox);
    await issueKey(api, 'cust-<b>bold');
    const res = await api.post('/subscribe/payments/schedule', {
      customer_uid: 'cust-<b>bold',
      schedules: [scheduleItem('order-<script>alert(1)</script>', T0_SEC + HOUR)],
    });
    expect(res.data.code).toBe(0);
    const page = await httpClient(sandbox.url).get<string>('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.data).toContain('order-&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.data).toContain('cust-&lt;b&gt;bold');
    expect(page.data).toContain(`<code>${sandbox.url}</code>`);
    expect(page.data).not.toContain('<script>alert(1)');
    expect(page.data).not.toContain('<b>bold');
  });

  it('serves the same rows as JSON, newest first', async () => {
    sandbox = await startTestSandbox({ admin: true });
    const api = await authedClient(sandbox);
    await issueKey(api, 'cust-json');
    await api.post('/subscribe/payments/schedule', {
      customer_uid: 'cust-json',
      schedules: [scheduleItem('sched-early', T0_SEC + HOUR), scheduleItem('sched-late', T0_SEC + 2 * HOUR)],
    });
    sandbox.clock.advance(3 * HOUR * 1000);
    await sandbox.runDue();
    const data = (await httpClient(sandbox.url).get('/__sandbox/dashboard')).data;
    expect(data.schedules.map((s: { merchant_uid: string }) => s.merchant_uid)).toEqual(['sched-late', 'sched-early']);
    expect(data.schedules[0]).toMatchObject({ schedule_status: 'executed', payment_status: 'paid' });
    expect(data.payments.map((p: { merchant_uid: string }) => p.merchant_uid)).toEqual(['sched-late', 'sched-early']);
    expect(data.billing_keys).toEqual([expect.objectContaining({ customer_uid: 'cust-json', charges: 2 })]);
  });

  it('is not there without the admin option', async () => {
    sandbox = await startTestSandbox();
    expect((await httpClient(sandbox.url).get('/')).status).toBe(404);
    expect((await httpClient(sandbox.url).get('/__sandbox/dashboard')).status).toBe(404);
  });
});

describe('sandbox dashboard in a browser', () => {
  let sandbox: SandboxHandle;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox({ admin: true, defaultNoticeUrl: receiver.url });
    browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    await receiver?.close();
  });

  const rowOf = (table: string, text: string) => page.locator(`#${table} tbody tr`, { hasText: text });

  it('shows a billing day as it happens: schedules run, payments, a refund, webhooks with their answers', async () => {
    await page.goto(sandbox.url);
    await page.locator('#schedules').getByText('none yet').waitFor();

    // The merchant's morning: three subscribers, billed at 09:00 KST tomorrow; one card has no money left.
    const api = await authedClient(sandbox);
    const nineKst = T0_SEC + 24 * HOUR; // T0 is 09:00 KST
    await issueKey(api, 'kim-minji');
    await issueKey(api, 'lee-seojun');
    await issueKey(api, 'park-jiwoo', { card_number: '4000-0000-0000-0002' });
    for (const [customer, order] of [
      ['kim-minji', 'sub-kim-0116'],
      ['lee-seojun', 'sub-lee-0116'],
      ['park-jiwoo', 'sub-park-0116'],
    ]) {
      const res = await api.post('/subscribe/payments/schedule', {
        customer_uid: customer,
        schedules: [scheduleItem(order, nineKst)],
      });
      expect(res.data.code).toBe(0);
    }
    // live refresh: the page shows them without a reload
    await rowOf('schedules', 'sub-park-0116').getByText('scheduled').waitFor();
    await rowOf('billing-keys', 'park-jiwoo').waitFor();

    // The day passes: the button moves the sandbox clock; the due schedules run and notify.
    await page.getByRole('button', { name: 'to next schedule' }).click();
    await rowOf('schedules', 'sub-kim-0116').getByText('executed').waitFor();
    await rowOf('payments', 'sub-kim-0116').getByText('paid').waitFor();
    await rowOf('payments', 'sub-lee-0116').getByText('paid').waitFor();
    await rowOf('payments', 'sub-park-0116').getByText('failed').waitFor();
    await rowOf('payments', 'sub-park-0116').getByText('잔액부족', { exact: false }).waitFor();
    await sandbox.webhooksIdle();
    await rowOf('webhooks', 'sub-park-0116').getByText('HTTP 200').waitFor();
    await expect(rowOf('webhooks', 'sent').count()).resolves.toBe(3);

    // A customer asks for their money back.
    const paid = sandbox.ledger().charges.find((c) => c.merchant_uid === 'sub-lee-0116')!;
    const refund = await api.post('/payments/cancel', { imp_uid: paid.imp_uid, reason: '고객 요청 환불' });
    expect(refund.data.code).toBe(0);
    await rowOf('refunds', 'sub-lee-0116').getByText('고객 요청 환불').waitFor();
    await rowOf('payments', 'sub-lee-0116').getByText('cancelled').waitFor();

    // newest first
    const scheduleTimes = await page.locator('#payments tbody tr td:first-child').allTextContents();
    expect([...scheduleTimes].sort().reverse()).toEqual(scheduleTimes);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'sandbox-dashboard.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });
  });

  it('switches faults and runs due schedules from its buttons', async () => {
    await page.getByRole('button', { name: 'API: 30 % HTTP 500' }).click();
    await page.locator('#faults-now').getByText('"failBeforeRate":0.3').waitFor();
    expect(sandbox.faults.get().failBeforeRate).toBe(0.3);
    await page.getByRole('button', { name: 'No faults' }).click();
    await page.locator('#faults-now').getByText('"failBeforeRate":0,').waitFor();
    expect(sandbox.faults.get().failBeforeRate).toBe(0);

    // a bad setting is refused with the sandbox's message, and nothing changes
    await page.locator('#faults-form textarea').fill('{"failBeforeRate": 7}');
    await page.getByRole('button', { name: 'Apply faults' }).click();
    await page.locator('#message').getByText('failBeforeRate', { exact: false }).waitFor();
    expect(sandbox.faults.get().failBeforeRate).toBe(0);

    // a schedule that fell due while the sandbox's ticker is off runs when the button is pressed
    const api = await authedClient(sandbox);
    const now = Math.floor(sandbox.clock.now() / 1000);
    await api.post('/subscribe/payments/schedule', {
      customer_uid: 'kim-minji',
      schedules: [scheduleItem('sub-kim-late', now + 60)],
    });
    await rowOf('schedules', 'sub-kim-late').getByText('scheduled').waitFor();
    sandbox.clock.freeze();
    await page.getByRole('button', { name: '+1 hour' }).click();
    await rowOf('payments', 'sub-kim-late').getByText('paid').waitFor();
    await page.getByRole('button', { name: 'Run due schedules' }).click();
    await expect(rowOf('payments', 'sub-kim-late').count()).resolves.toBe(1);
  });
});
