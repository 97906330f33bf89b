/**
 * The hosted checkout and portal pages in headless Chromium (phone size, Korean), over the real processes of
 * `npm start` (Temporal dev server, iamport sandbox, worker, HTTP server): signup to success_url, a declined card, an
 * expired and a reused session, and in the portal a card change and a cancel at period end. Each page is scanned
 * with axe-core; the card digits must appear in no log, no Temporal payload and no page served after a submit.
 * Screenshots go to test-output/screenshots/; UPDATE_DOCS_SCREENSHOT=1 also refreshes the README's pictures.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { createIamportClient, type IamportClient } from '../src/iamport';
import { SANDBOX_API_KEY, SANDBOX_API_SECRET, startLocalStack, type LocalStack } from '../tools/local-stack/stack';
import { verifySuccessRedirect } from '../src/pages';
import { TokenSealer } from '../src/pages/sealed-token';
import { CHECKOUT, type CheckoutSession } from '../src/pages/sessions';
import type { SandboxLedger } from 'iamport-sandbox';
import { TEST_CARDS } from 'iamport-sandbox';
import { PROJECT_ROOT } from '../src/temporal-binaries';
import { prorate } from '../workflows/proration';
import type { SubscriptionState } from '../workflows/types';
import { findChromium, launchChromium, type LaunchedBrowser } from './helpers/browser';
import { eventually } from './helpers/stack';
import { freePorts } from './helpers/free-port';

const PAGES_SECRET = 'hosted-pages-test-secret-0123456789abcdef';
const OUTPUT_DIR = join(PROJECT_ROOT, 'test-output', 'hosted-pages');
const SCREENSHOT_DIR = join(PROJECT_ROOT, 'test-output', 'screenshots');
const PHONE = { width: 390, height: 844 };
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Approved by the sandbox (any valid number not in its table); the company follows the first digit. */
const SIGNUP_CARD = '5312-8765-4321-0987'; // KB국민카드
const SECOND_TAB_CARD = '3312-8765-4321-0987'; // BC카드: must never be issued (the session was used)
const NEW_CARD = '6011-2233-4455-6677'; // 현대카드
/** signed up through the API, for the portal's pause/resume/cancel-now test */
const API_CARD = '4111-2222-3333-4444';
/** submitted twice at once, by fetch */
const RACE_CARD = '5500-1111-2222-3333';
const ALL_CARDS = [SIGNUP_CARD, SECOND_TAB_CARD, NEW_CARD, TEST_CARDS.issuanceFails, API_CARD, RACE_CARD];
/** the focused element's form name, else its text */
const FOCUSED = `(() => { const el = document.activeElement; return (el && (el.getAttribute('name') || el.textContent.trim())) || ''; })()`;
const cardForms = (card: string) => [card, card.replace(/-/g, '')];

interface Merchant {
  server: Server;
  url: string;
}

async function startMerchant(): Promise<Merchant> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>merchant</title><h1>merchant ${req.url?.split('?')[0]}</h1></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function seriousViolations(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(AXE_SOURCE);
  const { violations, passes } = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[]; passes: unknown[] }> } })
      .axe;
    const result = await axe.run();
    return {
      violations: result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[],
      passes: result.passes.length,
    };
  });
  expect(passes).toBeGreaterThan(10); // the scan did run
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

async function fillCard(page: Page, card: string): Promise<void> {
  await page.getByLabel('카드번호').fill(card);
  await page.getByLabel('유효기간').fill('2099-12');
  await page.getByLabel('생년월일 또는 사업자등록번호').fill('900101');
  await page.getByLabel('카드 비밀번호 앞 2자리').fill('12');
}

describe('hosted pages: checkout and customer portal in a browser', () => {
  let dataDir: string | undefined;
  let stack: LocalStack | undefined;
  let merchant: Merchant | undefined;
  let chromium: LaunchedBrowser | undefined;
  let iamport: IamportClient;
  let page: Page;
  /** every HTML page the browser received after the first card was submitted */
  const servedAfterSubmit: { url: string; body: string }[] = [];
  let submitted = false;

  let subscriptionId = '';
  let customerUid = '';
  let checkoutUrl = '';

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = any;
  async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${stack!.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack!.apiToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function newCheckout(): Promise<{ id: string; url: string; subscription_id: string; customer_uid: string }> {
    const created = await api('POST', '/checkout-sessions', {
      plan: { name: '프리미엄 월간', amount: 8900, interval: 'P1M' },
      buyer: { name: '홍길동', email: 'gildong@example.com' },
      success_url: `${merchant!.url}/welcome?order=42`,
      cancel_url: `${merchant!.url}/pricing`,
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  const state = async (id: string) => (await api('GET', `/subscriptions/${id}`)).body as SubscriptionState;
  const ledger = async () => (await (await fetch(`${stack!.urls.sandbox}/__sandbox/ledger`)).json()) as SandboxLedger;

  beforeAll(async () => {
    findChromium();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'hosted-pages-'));
    const [temporalPort, temporalUi, sandbox, http, metrics] = await freePorts(5);
    stack = await startLocalStack({
      dataDir,
      ports: { temporal: temporalPort, temporalUi, sandbox, http, metrics },
      env: { PAGES_SECRET },
    });
    iamport = createIamportClient({
      baseUrl: stack.urls.sandbox!,
      apiKey: SANDBOX_API_KEY,
      apiSecret: SANDBOX_API_SECRET,
    });
    merchant = await startMerchant();
    chromium = await launchChromium({ viewport: PHONE });
    // A Korean phone: Korean is also the default without the header, English is tested with ?lang=en.
    await chromium.context.setExtraHTTPHeaders({ 'Accept-Language': 'ko-KR,ko;q=0.9' });
    chromium.context.on('response', (response: Response) => {
      if (!submitted || !(response.headers()['content-type'] ?? '').startsWith('text/html')) return;
      void response.text().then(
        (body) => servedAfterSubmit.push({ url: response.url(), body }),
        () => undefined,
      );
    });
    page = await chromium.context.newPage();
  }, 180_000);

  afterAll(async () => {
    const steps = [
      () => chromium?.close(),
      () => merchant && new Promise((resolve) => merchant!.server.close(resolve)),
      () => stack?.stop(),
      () => dataDir && cpSync(join(dataDir, 'logs'), join(OUTPUT_DIR, 'logs'), { recursive: true }),
      () => dataDir && rmSync(dataDir, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        console.error('hosted-pages cleanup:', error);
      }
    }
  }, 90_000);

  it('checkout: the customer reads the terms, fills the card form and lands on success_url, signed', async () => {
    const session = await newCheckout();
    ({ subscription_id: subscriptionId, customer_uid: customerUid, url: checkoutUrl } = session);
    expect(checkoutUrl.startsWith(`${stack!.urls.api}/checkout/`)).toBe(true);

    const response = await page.goto(checkoutUrl);
    expect(response!.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(headers['content-security-policy']).toContain(`form-action 'self' ${merchant!.url}`);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');

    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('정기결제 카드 등록');
    const text = await page.locator('main').innerText();
    for (const expected of ['프리미엄 월간', '8,900원', '매월', '첫 결제일', '자동 갱신 안내', '해지']) {
      expect(text).toContain(expected);
    }
    const number = page.getByLabel('카드번호');
    expect(await number.getAttribute('name')).toBe('card_number');
    expect(await number.getAttribute('autocomplete')).toBe('cc-number');
    expect(await number.getAttribute('inputmode')).toBe('numeric');
    expect(await page.getByLabel('유효기간').getAttribute('name')).toBe('expiry');
    expect(await page.getByLabel('생년월일 또는 사업자등록번호').getAttribute('name')).toBe('birth');
    expect(await page.getByLabel('카드 비밀번호 앞 2자리').getAttribute('type')).toBe('password');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'hosted-checkout.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'hosted-checkout.png'), fullPage: true });
    }

    // A second tab holds the same session, to be submitted once the first has used it.
    const secondTab = await chromium!.context.newPage();
    await secondTab.goto(checkoutUrl);

    await fillCard(page, SIGNUP_CARD);
    await page.getByLabel('위 자동 갱신 조건을 확인했으며, 정기결제에 동의합니다.').check();
    submitted = true;
    await Promise.all([
      page.waitForURL(`${merchant!.url}/welcome?**`),
      page.getByRole('button', { name: '동의하고 구독 시작' }).click(),
    ]);

    const landed = new URL(page.url());
    expect(landed.searchParams.get('order')).toBe('42');
    expect(landed.searchParams.get('subscription_id')).toBe(subscriptionId);
    expect(landed.searchParams.get('checkout_session_id')).toBe(session.id);
    expect(verifySuccessRedirect(stack!.apiToken, landed)).toBe(true);
    landed.searchParams.set('subscription_id', 'sub-forged');
    expect(verifySuccessRedirect(stack!.apiToken, landed)).toBe(false);

    // the billing key at the sandbox, the first charge in its ledger, the subscription active
    expect((await iamport.getBillingKey(customerUid)).card_name).toBe('KB국민카드');
    const paid = await eventually(async () => {
      const current = await state(subscriptionId);
      return current.status === 'active' && current.totals.paid_count === 1 ? current : undefined;
    }, 60_000);
    expect(paid.plan).toEqual({ name: '프리미엄 월간', amount: 8900, interval: 'P1M' });
    const charges = (await ledger()).charges.filter((charge) => charge.customer_uid === customerUid);
    expect(charges.map(({ amount, status }) => ({ amount, status }))).toEqual([{ amount: 8900, status: 'paid' }]);

    // The second tab submits the used session: refused before any card is sent to iamport.
    await fillCard(secondTab, SECOND_TAB_CARD);
    await secondTab.getByLabel('위 자동 갱신 조건을 확인했으며, 정기결제에 동의합니다.').check();
    const [reused] = await Promise.all([
      secondTab.waitForResponse((r) => r.request().method() === 'POST'),
      secondTab.getByRole('button', { name: '동의하고 구독 시작' }).click(),
    ]);
    expect(reused.status()).toBe(410);
    await expect(secondTab.getByRole('alert').innerText()).resolves.toContain('이미 사용된');
    expect((await iamport.getBillingKey(customerUid)).card_name).toBe('KB국민카드');
    await secondTab.close();
  });

  it('a used or expired session is refused; a forged one is not found', async () => {
    const reused = await page.goto(checkoutUrl);
    expect(reused!.status()).toBe(410);
    expect(await page.getByRole('alert').innerText()).toContain('이미 사용된 결제 페이지');
    expect(await seriousViolations(page)).toEqual([]);

    const expiredSession: CheckoutSession = {
      id: 'cs_expired',
      subscription_id: 'sub-expired-1',
      signup: { customer_uid: 'cus-expired-1', plan: { name: 'Old', amount: 1000, interval: 'P1M' } },
      success_url: `${merchant!.url}/welcome`,
      cancel_url: `${merchant!.url}/pricing`,
    };
    const expiredToken = new TokenSealer(PAGES_SECRET).seal(CHECKOUT, expiredSession, Date.now() - 1000);
    const expired = await page.goto(`${stack!.urls.api}/checkout/${expiredToken}`);
    expect(expired!.status()).toBe(410);
    expect(await page.getByRole('alert').innerText()).toContain('만료');

    const forged = new TokenSealer('another-secret-of-at-least-32-characters!').seal(
      CHECKOUT,
      expiredSession,
      Date.now() + 60_000,
    );
    expect((await page.goto(`${stack!.urls.api}/checkout/${forged}`))!.status()).toBe(404);
    expect((await state('sub-expired-1')) as unknown).toMatchObject({ error: { code: 'not_found' } });
  });

  it('a declined card shows iamport’s message next to the field, keeps nothing of the card, starts nothing', async () => {
    const session = await newCheckout();
    await page.goto(`${session.url}?lang=en`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto(session.url);
    await fillCard(page, TEST_CARDS.issuanceFails);
    await page.getByLabel('위 자동 갱신 조건을 확인했으며, 정기결제에 동의합니다.').check();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: '동의하고 구독 시작' }).click(),
    ]);
    expect(answer.status()).toBe(402);
    await page.waitForLoadState();
    const number = page.getByLabel('카드번호');
    expect(await number.getAttribute('aria-invalid')).toBe('true');
    expect(await number.getAttribute('aria-describedby')).toContain('card_number-error');
    expect(await page.locator('#card_number-error').innerText()).toContain('카드사에서 빌링키 발급을 거절하였습니다');
    for (const field of ['카드번호', '유효기간', '생년월일 또는 사업자등록번호', '카드 비밀번호 앞 2자리']) {
      expect(await page.getByLabel(field).inputValue()).toBe('');
    }
    expect(await seriousViolations(page)).toEqual([]);
    expect((await api('GET', `/subscriptions/${session.subscription_id}`)).status).toBe(404);

    // a missing consent and a malformed field are shown on their fields too
    await page.getByLabel('카드번호').fill('1234');
    await page.getByLabel('위 자동 갱신 조건을 확인했으며, 정기결제에 동의합니다.').uncheck();
    const [invalid] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: '동의하고 구독 시작' }).click(),
    ]);
    expect(invalid.status()).toBe(422);
    await page.waitForLoadState();
    expect(await page.locator('#card_number-error').innerText()).toContain('15~16자리');
    expect(await page.locator('#consent-error').innerText()).toContain('동의');
    expect((await api('GET', `/subscriptions/${session.subscription_id}`)).status).toBe(404);
  });

  it('the form works with the keyboard alone, in a sensible order', async () => {
    const session = await newCheckout();
    await page.goto(session.url);
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      // (a string: the tests are compiled without the DOM's types)
      order.push(await page.evaluate<string>(FOCUSED));
    }
    expect(order).toEqual([
      'English',
      'card_number',
      'expiry',
      'birth',
      'pwd_2digit',
      'consent',
      '동의하고 구독 시작',
      '취소하고 돌아가기',
    ]);
    await page.getByLabel('카드번호').focus();
    await page.keyboard.type(TEST_CARDS.issuanceFails);
    for (const value of ['2099-12', '900101', '12']) {
      await page.keyboard.press('Tab');
      await page.keyboard.type(value);
    }
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.keyboard.press('Enter'),
    ]);
    expect(answer.status()).toBe(402);
    await page.waitForLoadState();
    expect(await page.locator('#card_number-error').innerText()).toContain('거절');
  });

  it('portal: the customer sees plan and receipts, changes the card, then cancels at period end', async () => {
    const created = await api('POST', '/portal-sessions', {
      subscription_id: subscriptionId,
      return_url: `${merchant!.url}/account`,
    });
    expect(created.status).toBe(201);
    const response = await page.goto(created.body.url);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    const main = page.locator('main');
    await expect(main.innerText()).resolves.toContain('이용 중');
    expect(await main.innerText()).toContain('프리미엄 월간');
    expect(await main.innerText()).toContain('8,900원');
    const receipt = page.getByRole('link', { name: '영수증 보기' });
    expect(await receipt.getAttribute('href')).toMatch(/^https:\/\/sandbox\.iamport\.invalid\/receipts\/imp_/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'hosted-portal.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'hosted-portal.png'), fullPage: true });
    }

    // change card
    await page.getByRole('link', { name: '결제 카드 변경' }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await fillCard(page, NEW_CARD);
    await page.getByRole('button', { name: '새 카드로 변경' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('결제 카드가 변경되었습니다');
    expect((await iamport.getBillingKey(customerUid)).card_name).toBe('현대카드');
    expect((await state(subscriptionId)).customer_uid).toBe(customerUid);

    // cancel at period end: what it means is shown before confirming. First the next charge is held by iamport.
    const nowS = Math.floor(Date.now() / 1000);
    const window = { from: nowS - 86_400, to: nowS + 89 * 86_400 };
    const schedules = async () => (await iamport.getSchedulesByCustomer(customerUid, window)).list;
    await eventually(async () => (await schedules()).some((schedule) => schedule.schedule_status === 'scheduled'));
    await page.getByRole('link', { name: '이용 기간 끝에 해지' }).click();
    expect(await page.locator('main').innerText()).toContain('지금처럼 이용할 수 있고');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '해지하기' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('해지되도록 예약했습니다');
    expect(await page.locator('main').innerText()).toContain('해지될 예정입니다');

    const after = await state(subscriptionId);
    expect(after).toMatchObject({ status: 'active', cancel_at_period_end: true });
    expect(after.pending_charge?.registered ?? false).toBe(false);
    // the sandbox no longer holds a charge for this customer: the next one was revoked
    const held = await eventually(async () => {
      const list = await schedules();
      return list.some((schedule) => schedule.schedule_status === 'scheduled') ? undefined : list;
    });
    expect(held.some((schedule) => schedule.schedule_status === 'revoked')).toBe(true);
    expect((await ledger()).charges.filter((charge) => charge.customer_uid === customerUid)).toHaveLength(1);
  });

  it('portal: a paused subscription is resumed, then canceled at once', async () => {
    const id = 'portal-pause-1';
    const signup = await api('POST', '/subscriptions', {
      subscription_id: id,
      customer_uid: 'cus-portal-pause-1',
      card: { card_number: API_CARD, expiry: '2099-12', birth: '900101', pwd_2digit: '00' },
      plan: { name: 'Basic', amount: 4900, interval: 'P1M' },
    });
    expect(signup.status).toBe(201);
    await eventually(async () => (await state(id)).totals.paid_count === 1);
    expect((await api('POST', `/subscriptions/${id}/pause`, {})).status).toBe(200);

    const portal = await api('POST', '/portal-sessions', {
      subscription_id: id,
      return_url: `${merchant!.url}/account`,
    });
    await page.goto(`${portal.body.url}?lang=en`);
    await expect(page.locator('main').innerText()).resolves.toContain('Paused');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Resume subscription' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('Your subscription was resumed.');
    expect((await state(id)).status).not.toBe('paused');

    await page.getByRole('link', { name: 'Cancel now' }).click();
    expect(await page.locator('main').innerText()).toContain('refunded pro rata');
    expect(await page.locator('#refund-preview').innerText()).toMatch(/You will be refunded|Nothing is left to refund/);
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('Your subscription was canceled.');
    expect(await page.locator('main').innerText()).toContain('Canceled');
    expect(await page.getByRole('link', { name: 'Change card' }).count()).toBe(0);
    expect((await state(id)).status).toBe('canceled');
    // a canceled subscription's card can no longer be changed
    const changeCard = await page.goto(`${portal.body.url.replace(/\?.*$/, '')}/card`);
    expect(changeCard!.status()).toBe(409);
  });

  it('portal: the customer consents to a price rise, then cancels with the prorated refund shown first', async () => {
    const id = 'portal-consent-1';
    const signup = await api('POST', '/subscriptions', {
      subscription_id: id,
      customer_uid: 'cus-portal-consent-1',
      card: { card_number: API_CARD, expiry: '2099-12', birth: '900101', pwd_2digit: '00' },
      // weekly, so the next charge (where the rise applies) is within the 30 days in which consent counts
      plan: { name: 'Basic', amount: 4900, interval: 'P7D' },
      allow_shared_customer_uid: true,
    });
    expect(signup.status).toBe(201);
    const paid = await eventually(async () => {
      const s = await state(id);
      return s.totals.paid_count === 1 && s.pending_charge ? s : undefined;
    });
    const rise = await api('POST', `/subscriptions/${id}/plan`, { amount: 6900, name: 'Plus' });
    expect(rise.status).toBe(200);
    expect(rise.body.price_change).toMatchObject({ amount_before: 4900, amount_after: 6900 });
    await eventually(async () => (await state(id)).price_change?.status === 'requested');

    const portal = await api('POST', '/portal-sessions', {
      subscription_id: id,
      return_url: `${merchant!.url}/account`,
    });
    await page.goto(portal.body.url);
    expect(await page.locator('main').innerText()).toContain('가격 변경에 대한 동의가 필요합니다');
    await page.getByRole('link', { name: '가격 변경 확인하기' }).click();
    const consentPage = await page.locator('main').innerText();
    // what changes, when, the price before and after, the card, how to cancel
    expect(consentPage).toContain('4,900원에서 6,900원(으)로 구독 가격이 오릅니다');
    expect(consentPage).toContain('적용일');
    expect(consentPage).toContain('현재 가격');
    expect(consentPage).toContain('변경 후 가격');
    expect(consentPage).toContain((await iamport.getBillingKey('cus-portal-consent-1')).card_name);
    expect(consentPage).toContain('온라인으로 해지할 수 있습니다');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'hosted-portal-consent.png'), fullPage: true });
    await page.getByRole('button', { name: '가격 변경에 동의합니다' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('가격 변경에 동의했습니다');
    const consented = await state(id);
    expect(consented.plan).toMatchObject({ name: 'Plus', amount: 6900 });
    expect(consented.consents?.[0]).toMatchObject({ status: 'granted', channel: 'portal', outcome: 'applied' });

    await page.getByRole('link', { name: '지금 해지' }).click();
    const impUid = paid.recent_payments[0].imp_uid!;
    const expected = prorate({
      paid_amount: 4900,
      refunded_amount: 0,
      period_start_ms: Date.parse(paid.current_period!.start),
      period_end_ms: Date.parse(paid.current_period!.end),
      at_ms: Date.now(),
      time_zone: 'Asia/Seoul',
    });
    expect(expected.amount).toBeGreaterThan(0);
    const preview = await page.locator('#refund-preview').innerText();
    expect(preview).toContain(`환불 예정 금액: ${expected.amount.toLocaleString('ko-KR')}원`);
    expect(preview).toContain(`${expected.period_days}일 중 사용하지 않은 ${expected.unused_days}일`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'hosted-portal-cancel-refund.png'), fullPage: true });
    await page.getByRole('button', { name: '해지하기' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('구독이 해지되었습니다');
    const canceled = await state(id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.recent_payments[0]).toMatchObject({ imp_uid: impUid, refunded_amount: expected.amount });
    expect((await ledger()).refunds.filter((r) => r.imp_uid === impUid).map((r) => r.amount)).toEqual([
      expected.amount,
    ]);
    // nothing was charged at the new amount: the cancel took the charge back first
    expect(
      (await ledger()).charges.filter((c) => c.customer_uid === 'cus-portal-consent-1').map((c) => c.amount),
    ).toEqual([4900]);
  });

  it('the session API wants the token and valid URLs; a form post without the CSRF cookie is refused', async () => {
    const unauthorized = await fetch(`${stack!.urls.api}/checkout-sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);
    const badUrl = await api('POST', '/checkout-sessions', {
      plan: { name: 'Basic', amount: 9900 },
      success_url: 'javascript:alert(1)',
      cancel_url: `${merchant!.url}/pricing`,
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.details).toEqual([{ field: 'success_url', message: 'must be an absolute http(s) URL' }]);
    const taken = await api('POST', '/checkout-sessions', {
      subscription_id: subscriptionId,
      plan: { name: 'Basic', amount: 9900 },
      success_url: `${merchant!.url}/welcome`,
      cancel_url: `${merchant!.url}/pricing`,
    });
    expect(taken.status).toBe(409);
    const unknown = await api('POST', '/portal-sessions', {
      subscription_id: 'sub-nobody',
      return_url: `${merchant!.url}/account`,
    });
    expect(unknown.status).toBe(404);

    // Another site's form, posted by the customer's browser: no SameSite cookie, no matching token.
    const session = await newCheckout();
    const forged = await fetch(session.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: 'forged',
        consent: 'yes',
        card_number: SIGNUP_CARD,
        expiry: '2099-12',
        birth: '900101',
        pwd_2digit: '12',
      }).toString(),
    });
    expect(forged.status).toBe(403);

    // English when the browser prefers it; Korean otherwise
    const english = await (await fetch(session.url, { headers: { 'accept-language': 'en-US,en;q=0.9' } })).text();
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('Register a card for your subscription');
    const korean = await (await fetch(session.url, { headers: { 'accept-language': 'ko-KR,en;q=0.5' } })).text();
    expect(korean).toContain('<html lang="ko">');
    expect(await (await fetch(session.url)).text()).toContain('<html lang="ko">');
    expect(forged.headers.get('content-type')).toContain('text/html');
    expect((await api('GET', `/subscriptions/${session.subscription_id}`)).status).toBe(404);
  });

  it('two submits of one session at the same moment start one subscription', async () => {
    const session = await newCheckout();
    const page1 = await fetch(session.url);
    const cookie = (page1.headers.get('set-cookie') ?? '').split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page1.text())![1];
    const submit = () =>
      fetch(session.url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({
          csrf,
          consent: 'yes',
          card_number: RACE_CARD,
          expiry: '209912',
          birth: '900101',
          pwd_2digit: '12',
        }).toString(),
      });
    const answers = await Promise.all([submit(), submit()]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses[0]).toBe(303);
    expect([410, 429]).toContain(statuses[1]);
    expect((await state(session.subscription_id)).subscription_id).toBe(session.subscription_id);
    // and afterwards the session is used
    const again = await submit();
    expect(again.status).toBe(410);
  });

  it('card digits are in no log, no Temporal payload and no page served after the submit', async () => {
    expect(servedAfterSubmit.length).toBeGreaterThan(3);
    const files = readdirSync(dataDir!).filter((name) => name.startsWith('temporal.db'));
    const database = Buffer.concat(files.map((name) => readFileSync(join(dataDir!, name))));
    expect(database.includes(subscriptionId)).toBe(true);
    const logs = readdirSync(join(dataDir!, 'logs'))
      .map((name) => readFileSync(join(dataDir!, 'logs', name), 'utf8'))
      .join('\n');
    expect(logs).toContain(subscriptionId);
    for (const card of ALL_CARDS) {
      for (const form of cardForms(card)) {
        expect({ form, inLogs: logs.includes(form) }).toEqual({ form, inLogs: false });
        expect({ form, inDatabase: database.includes(form) }).toEqual({ form, inDatabase: false });
        const pages = servedAfterSubmit.filter((served) => served.body.includes(form)).map((served) => served.url);
        expect({ form, pages }).toEqual({ form, pages: [] });
      }
    }
    // nor the session tokens (credentials) in the request log
    expect(logs).not.toContain(checkoutUrl.split('/checkout/')[1]);
  });
});
