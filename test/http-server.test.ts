import { gzipSync } from 'node:zlib';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import type { Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { createIamportClient, type IamportClient } from '../src/iamport';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { CustomerUidKey, NextChargeAtKey, PlanAmountKey, SubscriptionStatusKey } from '../workflows/search-attributes';
import { workflowIdFor } from '../workflows/ids';
import type { SubscriptionView } from '../workflows/view';
import { API_TOKEN, request, startBillingServer, type BillingServer } from './helpers/billing-server';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET, workflowBundle } from './helpers/stack';
import { startDevServer } from './helpers/temporal';

const TASK_QUEUE = 'http-server-test';
const card = (cardNumber: string) => ({
  card_number: cardNumber,
  expiry: '2031-12',
  birth: '880808',
  pwd_2digit: '12',
});
const inOneDay = () => new Date(Date.now() + 86_400_000).toISOString();
/** A subscription with a good card whose first charge is a day away, so nothing is charged while a test runs. */
const laterSignup = (id: string, extra: Record<string, unknown> = {}) => ({
  subscription_id: id,
  customer_uid: `cust-${id}`,
  card: card(TEST_CARDS.alwaysApprove),
  plan: { name: 'Basic', amount: 5000 },
  start_at: inOneDay(),
  ...extra,
});

describe('HTTP server over Temporal, the iamport sandbox and a billing worker', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: SandboxHandle;
  let iamport: IamportClient;
  let server: BillingServer;
  let worker: Worker;
  let workerDone: Promise<void>;

  beforeAll(async () => {
    env = await startDevServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET, admin: true });
    iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    server = await startBillingServer({ client: env.client, iamport, taskQueue: TASK_QUEUE });
    worker = await createBillingWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      iamport,
      noticeUrl: `${server.url}${WEBHOOK_PATH}`,
      workflowBundle: await workflowBundle(),
    });
    workerDone = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await workerDone;
    await server?.close();
    await sandbox?.close();
    await env?.teardown();
  });

  const getState = async (id: string): Promise<SubscriptionView> => {
    const res = await server.api('GET', `/subscriptions/${id}`);
    expect(res.status).toBe(200);
    return res.body as SubscriptionView;
  };

  describe('signup', () => {
    it('issues the billing key, starts the workflow, and GET shows it active with its next charge', async () => {
      const started = Date.now();
      const res = await server.api('POST', '/subscriptions', {
        subscription_id: 'card-1',
        customer_uid: 'cust-card-1',
        card: card(TEST_CARDS.alwaysApprove),
        plan: { name: 'Premium', amount: 8900 },
        buyer: { name: '홍길동', email: 'gildong@example.com', tel: '010-1234-5678' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/subscriptions/card-1');
      expect(res.body).toEqual({
        subscription_id: 'card-1',
        customer_uid: 'cust-card-1',
        status: 'active',
        next_charge_at: expect.any(String),
      });
      const firstCharge = Date.parse(res.body.next_charge_at);
      expect(firstCharge).toBeGreaterThanOrEqual(started - 1000);
      expect(firstCharge).toBeLessThanOrEqual(Date.now() + 1000);

      const key = await iamport.getBillingKey('cust-card-1');
      expect(key.card_number).not.toContain('4242-4242-4242-4242');
      expect(key.customer_name).toBe('홍길동');

      const handle = env.client.workflow.getHandle(workflowIdFor('card-1'));
      const description = await handle.describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.taskQueue).toBe(TASK_QUEUE);
      expect(await description.staticSummary()).toBe('Premium ₩8,900 monthly');
      expect(description.typedSearchAttributes.get(CustomerUidKey)).toBe('cust-card-1');
      expect(description.typedSearchAttributes.get(PlanAmountKey)).toBe(8900);
      expect(description.typedSearchAttributes.get(SubscriptionStatusKey)).toBe('active');
      expect(description.typedSearchAttributes.get(NextChargeAtKey)?.toISOString()).toBe(res.body.next_charge_at);

      const state = await getState('card-1');
      expect(state).toMatchObject({ subscription_id: 'card-1', status: 'active', customer_uid: 'cust-card-1' });
      expect(state.next_charge_at).toBeDefined();
    });

    it("routes iamport's webhook for the first charge to the subscription, which records the payment", async () => {
      const paid = await eventually(async () => {
        const state = await getState('card-1');
        return state.recent_payments[0]?.status === 'paid' ? state : undefined;
      });
      expect(paid.recent_payments[0]).toMatchObject({ amount: 8900, via: 'webhook', cycle: 1 });
      expect(paid.cycle).toBe(2);
      expect(paid.status).toBe('active');
      // the next charge is a month after the first
      const days = (Date.parse(paid.next_charge_at!) - Date.parse(paid.recent_payments[0].at)) / 86_400_000;
      expect(days).toBeGreaterThan(27);
      const webhooks = sandbox.ledger().webhooks.filter((w) => w.body.merchant_uid.startsWith('card-1_'));
      expect(webhooks.length).toBeGreaterThan(0);
      expect(webhooks.every((w) => w.http_status === 200)).toBe(true);
    });

    it('generates a subscription id when none is given; without a card it uses the billing key iamport holds', async () => {
      const res = await server.api('POST', '/subscriptions', {
        customer_uid: 'cust-card-1',
        plan: { name: 'Basic', amount: 5000, interval: 'P1Y' },
        start_at: inOneDay(),
        // card-1 bills this customer_uid too
        allow_shared_customer_uid: true,
      });
      expect(res.status).toBe(201);
      expect(res.body.subscription_id).toMatch(/^sub-[0-9a-f]{16}$/);
      const state = await getState(res.body.subscription_id);
      expect(state.plan).toEqual({ name: 'Basic', amount: 5000, interval: 'P1Y' });
    });

    it('starts a trial: status trialing, first charge at trial_end', async () => {
      const trialEnd = new Date(Date.now() + 14 * 86_400_000).toISOString();
      const res = await server.api('POST', '/subscriptions', laterSignup('trial-1', { trial_end: trialEnd }));
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('trialing');
      expect(Date.parse(res.body.next_charge_at)).toBe(Math.ceil(Date.parse(trialEnd) / 1000) * 1000);
      expect((await getState('trial-1')).status).toBe('trialing');
    });

    it('refuses a customer_uid iamport holds no billing key for when no card is given', async () => {
      const res = await server.api('POST', '/subscriptions', { ...laterSignup('nokey-1'), card: undefined });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { field: 'customer_uid', message: expect.stringContaining('no billing key') },
      ]);
      expect((await server.api('GET', '/subscriptions/nokey-1')).status).toBe(404);
    });

    it('answers 409 for an id that is running, without sending the card to iamport', async () => {
      expect((await server.api('POST', '/subscriptions', laterSignup('dup-1'))).status).toBe(201);
      const again = await server.api('POST', '/subscriptions', { ...laterSignup('dup-1'), card: undefined });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('already_exists');

      const withCard = await server.api(
        'POST',
        '/subscriptions',
        laterSignup('dup-1', { customer_uid: 'cust-dup-card' }),
      );
      expect(withCard.status).toBe(409);
      await expect(iamport.getBillingKey('cust-dup-card')).rejects.toMatchObject({ kind: 'not_found' });
    });

    it("answers 402 with iamport's message for a card refused at issuance, and starts nothing", async () => {
      const res = await server.api(
        'POST',
        '/subscriptions',
        laterSignup('declined-1', { card: card(TEST_CARDS.issuanceFails) }),
      );
      expect(res.status).toBe(402);
      expect(res.body.error.code).toBe('card_declined');
      expect(res.body.error.message).toContain('빌링키 발급을 거절');
      expect(res.text).not.toContain('4000-0000-0000-0001');
      expect((await server.api('GET', '/subscriptions/declined-1')).status).toBe(404);
    });

    it('may reuse an id once its subscription was canceled', async () => {
      expect((await server.api('POST', '/subscriptions', laterSignup('reuse-1'))).status).toBe(201);
      expect((await server.api('POST', '/subscriptions/reuse-1/cancel', {})).status).toBe(200);
      await env.client.workflow.getHandle(workflowIdFor('reuse-1')).result();
      const again = await server.api('POST', '/subscriptions', laterSignup('reuse-1'));
      expect(again.status).toBe(201);
      expect((await getState('reuse-1')).status).toBe('active');
    });
  });

  describe('validation: 400 with a message naming the field and what it must be', () => {
    const valid = { customer_uid: 'cust-v', plan: { name: 'Basic', amount: 5000 }, start_at: inOneDay() };
    const cases: [string, unknown, string, RegExp][] = [
      ['no customer_uid', { plan: valid.plan }, 'customer_uid', /required/],
      ['customer_uid with spaces', { ...valid, customer_uid: 'a b' }, 'customer_uid', /spaces/],
      ['no plan', { customer_uid: 'c' }, 'plan', /required/],
      ['amount not a number', { ...valid, plan: { name: 'B', amount: '5000' } }, 'plan.amount', /number/],
      ['fractional amount', { ...valid, plan: { name: 'B', amount: 10.5 } }, 'plan.amount', /whole number/],
      ['negative amount', { ...valid, plan: { name: 'B', amount: -1 } }, 'plan.amount', /greater than 0/],
      ['blank plan name', { ...valid, plan: { name: '  ', amount: 1 } }, 'plan.name', /blank/],
      ['long plan name', { ...valid, plan: { name: 'x'.repeat(41), amount: 1 } }, 'plan.name', /40 characters/],
      ['bad interval', { ...valid, plan: { ...valid.plan, interval: 'monthly' } }, 'plan.interval', /P1M/],
      ['mixed interval', { ...valid, plan: { ...valid.plan, interval: 'P1M1D' } }, 'plan.interval', /mixed/],
      ['bad subscription_id', { ...valid, subscription_id: 'has_underscore' }, 'subscription_id', /20 characters/],
      ['long subscription_id', { ...valid, subscription_id: 'a'.repeat(21) }, 'subscription_id', /20 characters/],
      ['unknown field', { ...valid, intervall: 'P1M' }, 'body', /unknown field.*intervall/],
      ['start_at in the past', { ...valid, start_at: '2020-01-01T00:00:00Z' }, 'start_at', /past/],
      ['start_at without zone', { ...valid, start_at: '2030-01-01T00:00:00' }, 'start_at', /zone/],
      ['trial_end before start', { ...valid, trial_end: new Date().toISOString() }, 'trial_end', /after/],
      ['on_missing_consent', { ...valid, on_missing_consent: 'ignore' }, 'on_missing_consent', /"keep_price"/],
      [
        'trial consent without a trial',
        { ...valid, trial_conversion_consent: { granted_at: new Date().toISOString(), channel: 'app' } },
        'trial_conversion_consent',
        /needs a trial_end/,
      ],
      [
        'trial consent too early',
        {
          ...valid,
          trial_end: new Date(Date.now() + 40 * 86_400_000).toISOString(),
          trial_conversion_consent: { granted_at: new Date().toISOString(), channel: 'app' },
        },
        'trial_conversion_consent.granted_at',
        /within the 30 days before trial_end/,
      ],
      [
        'dunning delay',
        { ...valid, dunning: { retry_delays: ['P1M'], final_action: 'cancel' } },
        'dunning.retry_delays',
        /not exact time/,
      ],
      [
        'final_action',
        { ...valid, dunning: { retry_delays: [], final_action: 'x' } },
        'dunning.final_action',
        /"unpaid"/,
      ],
      ['buyer email', { ...valid, buyer: { email: 'nope' } }, 'buyer.email', /email/],
      [
        'card_number',
        { ...valid, card: { ...card('4242-4242-4242'), expiry: '2031-12' } },
        'card.card_number',
        /15 or 16/,
      ],
      [
        'expiry',
        { ...valid, card: { ...card(TEST_CARDS.alwaysApprove), expiry: '2031-13' } },
        'card.expiry',
        /YYYY-MM/,
      ],
      ['birth', { ...valid, card: { ...card(TEST_CARDS.alwaysApprove), birth: '1988' } }, 'card.birth', /YYMMDD/],
      [
        'pwd_2digit',
        { ...valid, card: { ...card(TEST_CARDS.alwaysApprove), pwd_2digit: 'ab' } },
        'card.pwd_2digit',
        /2 digits/,
      ],
      ['card field', { ...valid, card: { ...card(TEST_CARDS.alwaysApprove), cvc: '123' } }, 'card', /cvc/],
      ['array body', [valid], 'body', /object/],
    ];
    it.each(cases)('%s', async (_name, body, field, message) => {
      const res = await server.api('POST', '/subscriptions', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      const problem = (res.body.error.details as { field: string; message: string }[]).find((d) =>
        d.field.startsWith(field),
      );
      expect(problem?.message).toMatch(message);
      expect(res.body.error.message).toContain(field === 'body' ? '' : field);
    });

    it('never echoes card values in an error', async () => {
      const secretCard = {
        card_number: '4242-4242-4242-4242x',
        expiry: 'EXPIRY-SECRET',
        birth: 'BIRTH-SECRET',
        pwd_2digit: 'PWD-SECRET',
      };
      const res = await server.api('POST', '/subscriptions', { ...valid, card: secretCard });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(
        ['card.birth', 'card.card_number', 'card.expiry', 'card.pwd_2digit'].sort(),
      );
      expect(res.text).not.toMatch(/4242|SECRET/);
      const broken = await server.api('POST', '/subscriptions', '{"card": {"card_number": "4242424242424242"');
      expect(broken.status).toBe(400);
      expect(broken.body.error.message).toBe('the body is not valid JSON');
      expect(broken.text).not.toContain('4242');
      expect(server.logs.join('\n')).not.toMatch(/4242-?4242-?4242-?4242|SECRET/);
    });

    it('answers 400 for an invalid JSON body, 415 for another media type, 413 for a body over 32 KB', async () => {
      expect((await server.api('POST', '/subscriptions', '{"customer_uid":')).status).toBe(400);
      const form = await server.api('POST', '/subscriptions', 'customer_uid=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);
      expect(form.body.error.message).toContain('application/json');
      const huge = await server.api('POST', '/subscriptions', { ...valid, customer_uid: 'x'.repeat(40_000) });
      expect(huge.status).toBe(413);
    });

    it('validates command bodies and path ids', async () => {
      const plan = await server.api('POST', '/subscriptions/card-1/plan', {});
      expect(plan.status).toBe(400);
      expect(plan.body.error.message).toContain('at least one of name, amount, interval');
      const cancel = await server.api('POST', '/subscriptions/card-1/cancel', { at_period_end: 'yes' });
      expect(cancel.status).toBe(400);
      expect(cancel.body.error.details[0].field).toBe('at_period_end');
      const method = await server.api('POST', '/subscriptions/card-1/payment-method', {});
      expect(method.status).toBe(400);
      expect(method.body.error.details[0]).toEqual({ field: 'customer_uid', message: 'is required' });
      const pause = await server.api('POST', '/subscriptions/card-1/pause', { now: true });
      expect(pause.status).toBe(400);
      const badId = await server.api('GET', '/subscriptions/not_an_id');
      expect(badId.status).toBe(400);
      expect(badId.body.error.message).toContain('letters, digits and "-"');
    });
  });

  describe('commands', () => {
    beforeAll(async () => {
      expect((await server.api('POST', '/subscriptions', laterSignup('cmd-1'))).status).toBe(201);
      expect((await server.api('POST', '/subscriptions', laterSignup('cmd-pause'))).status).toBe(201);
    });

    // Its own subscription: resuming charges at once, and a charge in flight would race the other commands.
    it('pauses and resumes; refuses what does not fit the status with 409 and the reason', async () => {
      const paused = await server.api('POST', '/subscriptions/cmd-pause/pause');
      expect(paused.status).toBe(200);
      expect(paused.body.status).toBe('paused');
      const twice = await server.api('POST', '/subscriptions/cmd-pause/pause');
      expect(twice.status).toBe(409);
      expect(twice.body.error).toEqual({ code: 'conflict', message: 'the subscription is already paused' });
      const resumed = await server.api('POST', '/subscriptions/cmd-pause/resume', {});
      expect(resumed.status).toBe(200);
      expect(resumed.body.status).toBe('active');
      const notPaused = await server.api('POST', '/subscriptions/cmd-pause/resume');
      expect(notPaused.status).toBe(409);
      expect(notPaused.body.error.message).toContain('not paused');
    });

    it('changes the plan; a price rise waits for the consent given through POST /consents', async () => {
      const res = await server.api('POST', '/subscriptions/cmd-1/plan', { amount: 4000, name: 'Plus' });
      expect(res.status).toBe(200);
      expect(res.body.plan).toMatchObject({ name: 'Plus', amount: 4000 });
      expect((await getState('cmd-1')).plan.amount).toBe(4000);

      const rise = await server.api('POST', '/subscriptions/cmd-1/plan', { amount: 7000 });
      expect(rise.status).toBe(200);
      expect(rise.body.plan.amount).toBe(4000);
      expect(rise.body.price_change).toMatchObject({ kind: 'price_rise', amount_before: 4000, amount_after: 7000 });
      const changeId = rise.body.price_change.change_id;
      const future = await server.api('POST', '/subscriptions/cmd-1/consents', {
        change_id: changeId,
        channel: 'app',
        granted_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect(future.status).toBe(400);
      expect(future.body.error.message).toContain('must not be in the future');
      const wrong = await server.api('POST', '/subscriptions/cmd-1/consents', {
        change_id: 'chg_99',
        channel: 'app',
        granted_at: new Date().toISOString(),
      });
      expect(wrong.status).toBe(409);
      expect(wrong.body.error.message).toContain(`not the change waiting for consent (${changeId} is)`);
      const granted = await server.api('POST', '/subscriptions/cmd-1/consents', {
        change_id: changeId,
        channel: 'app',
        granted_at: new Date().toISOString(),
      });
      expect(granted.status).toBe(200);
      expect(granted.body.plan.amount).toBe(7000);
      expect(granted.body.consents[0]).toMatchObject({ change_id: changeId, status: 'granted', outcome: 'applied' });
      expect(granted.body.price_change).toBeUndefined();
    });

    it('refuses malformed refund, cancel and consent bodies with a 400 naming the field', async () => {
      const cases: [string, unknown, string, RegExp][] = [
        ['refunds', { amount: 100 }, 'reason', /required/],
        ['refunds', { reason: 'x', amount: 0 }, 'amount', /greater than 0/],
        ['refunds', { reason: 'x', imp_uid: '../x' }, 'imp_uid', /iamport payment id/],
        ['cancel', { at_period_end: true, refund: 'prorated' }, 'at_period_end', /immediate cancel/],
        ['cancel', { refund: 'half' }, 'refund', /"prorated"/],
        ['consents', { change_id: 'chg_1', channel: 'app' }, 'granted_at', /exactly one of/],
        [
          'consents',
          { change_id: 'chg_1', channel: 'a b', granted_at: new Date().toISOString() },
          'channel',
          /letters/,
        ],
      ];
      for (const [route, body, field, message] of cases) {
        const res = await server.api('POST', `/subscriptions/cmd-1/${route}`, body);
        expect(res.status).toBe(400);
        expect(res.body.error.details).toEqual([{ field, message: expect.stringMatching(message) }]);
      }
      // well-formed, but nothing was paid yet
      const nothing = await server.api('POST', '/subscriptions/cmd-1/refunds', { reason: 'goodwill' });
      expect(nothing.status).toBe(409);
      expect(nothing.body.error.message).toContain('no paid payment to refund');
    });

    it('updates the payment method, issuing a new billing key when a card is given', async () => {
      const res = await server.api('POST', '/subscriptions/cmd-1/payment-method', {
        customer_uid: 'cust-cmd-1-new',
        card: card('5555-4444-3333-2222'),
      });
      expect(res.status).toBe(200);
      expect(res.body.customer_uid).toBe('cust-cmd-1-new');
      expect((await iamport.getBillingKey('cust-cmd-1-new')).card_name).toBe('KB국민카드');
      const declined = await server.api('POST', '/subscriptions/cmd-1/payment-method', {
        customer_uid: 'cust-cmd-1-bad',
        card: card(TEST_CARDS.issuanceFails),
      });
      expect(declined.status).toBe(402);
      expect((await getState('cmd-1')).customer_uid).toBe('cust-cmd-1-new');
    });

    it('cancels at period end and undoes it', async () => {
      const scheduled = await server.api('POST', '/subscriptions/cmd-1/cancel', { at_period_end: true });
      expect(scheduled.status).toBe(200);
      expect(scheduled.body.cancel_at_period_end).toBe(true);
      const undone = await server.api('POST', '/subscriptions/cmd-1/undo-cancel');
      expect(undone.status).toBe(200);
      expect(undone.body.cancel_at_period_end).toBe(false);
      expect((await server.api('POST', '/subscriptions/cmd-1/undo-cancel')).status).toBe(409);
    });

    it('cancels; the ended subscription still answers GET, and refuses further commands with 409', async () => {
      const res = await server.api('POST', '/subscriptions/cmd-1/cancel');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('canceled');
      await env.client.workflow.getHandle(workflowIdFor('cmd-1')).result();
      expect((await getState('cmd-1')).status).toBe('canceled');
      for (const command of ['pause', 'resume', 'cancel']) {
        const refused = await server.api('POST', `/subscriptions/cmd-1/${command}`);
        expect(refused.status).toBe(409);
        expect(refused.body.error.message).toBe('the subscription is canceled');
      }
      const card409 = await server.api('POST', '/subscriptions/cmd-1/payment-method', {
        customer_uid: 'cust-cmd-1-late',
        card: card(TEST_CARDS.alwaysApprove),
      });
      expect(card409.status).toBe(409);
      await expect(iamport.getBillingKey('cust-cmd-1-late')).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('answers 404 for a subscription that never existed', async () => {
      expect((await server.api('GET', '/subscriptions/nobody')).status).toBe(404);
      for (const command of ['pause', 'resume', 'cancel', 'undo-cancel']) {
        const res = await server.api('POST', `/subscriptions/nobody/${command}`);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      expect((await server.api('POST', '/subscriptions/nobody/plan', { amount: 1 })).status).toBe(404);
      const withCard = { customer_uid: 'cust-nobody', card: card(TEST_CARDS.alwaysApprove) };
      expect((await server.api('POST', '/subscriptions/nobody/payment-method', withCard)).status).toBe(404);
      await expect(iamport.getBillingKey('cust-nobody')).rejects.toMatchObject({ kind: 'not_found' });
    });
  });

  describe('authentication', () => {
    const routes: [string, string][] = [
      ['POST', '/subscriptions'],
      ['GET', '/subscriptions/card-1'],
      ['POST', '/subscriptions/card-1/cancel'],
      ['POST', '/subscriptions/card-1/undo-cancel'],
      ['POST', '/subscriptions/card-1/pause'],
      ['POST', '/subscriptions/card-1/resume'],
      ['POST', '/subscriptions/card-1/plan'],
      ['POST', '/subscriptions/card-1/payment-method'],
    ];
    it.each(routes)('%s %s: 401 without a token, with a wrong one, or with another scheme', async (method, path) => {
      const body = method === 'POST' ? '{"broken json' : undefined;
      for (const authorization of [
        '',
        `Bearer ${API_TOKEN}x`,
        `Bearer ${API_TOKEN.slice(0, -1)}`,
        `Basic ${API_TOKEN}`,
      ]) {
        const res = await server.api(method, path, body, { authorization });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      // nothing changed: card-1 is still active
      expect((await getState('card-1')).status).toBe('active');
    });

    it('leaves the probes open', async () => {
      expect((await request(`${server.url}/healthz`, {})).status).toBe(200);
      const ready = await request(`${server.url}/readyz`, {});
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' });
    });
  });

  describe('webhook', () => {
    const post = (body: string, contentType: string, headers: Record<string, string> = {}, base = server.url) =>
      request(`${base}${WEBHOOK_PATH}`, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });

    it('routes JSON and form-urlencoded notifications to the subscription their merchant_uid names', async () => {
      expect((await server.api('POST', '/subscriptions', laterSignup('hook-a'))).status).toBe(201);
      expect((await server.api('POST', '/subscriptions', laterSignup('hook-b'))).status).toBe(201);
      const a = await eventually(async () => {
        const state = await getState('hook-a');
        return state.pending_charge?.registered ? state : undefined;
      });
      const merchantUid = a.pending_charge!.merchant_uid;
      // unverifiable (no such payment at iamport): the workflow checks and ignores it, which proves it arrived
      const json = await post(
        JSON.stringify({ imp_uid: 'imp_000000000001', merchant_uid: merchantUid, status: 'paid' }),
        'application/json',
      );
      expect(json.status).toBe(200);
      expect(json.body).toEqual({ received: true, routed: true });
      const form = await post(
        `imp_uid=imp_000000000002&merchant_uid=${merchantUid}&status=paid&cancellation_id=`,
        'application/x-www-form-urlencoded',
      );
      expect(form.status).toBe(200);
      expect(form.body.routed).toBe(true);
      await eventually(async () => (await getState('hook-a')).totals.ignored_notifications === 2);
      const b = await getState('hook-b');
      expect(b.totals.ignored_notifications + b.totals.duplicate_notifications).toBe(0);
      expect((await getState('hook-a')).status).toBe('active');
    });

    it('treats duplicates as harmless', async () => {
      const body = JSON.stringify({
        imp_uid: 'imp_000000000001',
        merchant_uid: (await getState('hook-a')).pending_charge!.merchant_uid,
        status: 'paid',
      });
      for (let i = 0; i < 3; i++) expect((await post(body, 'application/json')).status).toBe(200);
      await eventually(async () => {
        const { totals } = await getState('hook-a');
        return totals.ignored_notifications + totals.duplicate_notifications === 5;
      });
      const state = await getState('hook-a');
      expect(state.status).toBe('active');
      expect(state.recent_payments).toEqual([]);
    });

    it('answers 200 and logs a notification no subscription wants', async () => {
      const unknownForm = await post(
        JSON.stringify({ imp_uid: 'imp_1', merchant_uid: 'order_from_elsewhere', status: 'paid' }),
        'application/json',
      );
      expect(unknownForm).toMatchObject({ status: 200, body: { received: true, routed: false } });
      const noSuchSubscription = await post(
        JSON.stringify({ imp_uid: 'imp_2', merchant_uid: 'ghost_mfx1k2ab_1_1', status: 'paid' }),
        'application/json',
      );
      expect(noSuchSubscription).toMatchObject({ status: 200, body: { routed: false } });
      const lines = server.logs.map((line) => JSON.parse(line)).filter((l) => l.msg === 'webhook not routed');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ merchant_uid: 'order_from_elsewhere', reason: 'unknown_merchant_uid' }),
          expect.objectContaining({ merchant_uid: 'ghost_mfx1k2ab_1_1', reason: 'subscription_not_running' }),
        ]),
      );
    });

    it('answers 400 for a malformed notification and 415 for another media type', async () => {
      for (const body of ['{"imp_uid": 1, "merchant_uid": "a_b", "status": "paid"}', '{"imp_uid":', '[]', '{}']) {
        const res = await post(body, 'application/json');
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
      }
      expect((await post('imp_uid[]=1&merchant_uid=a&status=paid', 'application/x-www-form-urlencoded')).status).toBe(
        400,
      );
      expect((await post('imp_uid=1', 'text/plain')).status).toBe(415);
    });

    it("refuses an imp_uid or merchant_uid not in iamport's form with 400 naming the field", async () => {
      const merchantUid = (await getState('hook-a')).pending_charge!.merchant_uid;
      const cases: [Record<string, unknown>, string][] = [
        [{ imp_uid: '..', merchant_uid: merchantUid, status: 'paid' }, 'imp_uid'],
        [{ imp_uid: 'a/b', merchant_uid: merchantUid, status: 'paid' }, 'imp_uid'],
        [{ imp_uid: '1'.repeat(100), merchant_uid: merchantUid, status: 'paid' }, 'imp_uid'],
        [{ imp_uid: `imp_${'1'.repeat(29)}`, merchant_uid: merchantUid, status: 'paid' }, 'imp_uid'],
        [
          { imp_uid: 'imp_1', merchant_uid: `${'a'.repeat(20)}_${'z'.repeat(10)}_1234567_1234`, status: 'paid' },
          'merchant_uid',
        ],
        [{ imp_uid: 'imp_1', merchant_uid: 'hook-a/../x', status: 'paid' }, 'merchant_uid'],
        [{ imp_uid: 'imp_1', merchant_uid: merchantUid, status: 'paid; drop' }, 'status'],
      ];
      const signals = jest.spyOn(server.subscriptions, 'signalPaymentNotification');
      try {
        for (const [body, field] of cases) {
          const res = await post(JSON.stringify(body), 'application/json');
          expect(res.status).toBe(400);
          expect(res.body.error.details).toEqual([{ field, message: expect.stringMatching(/^must be /) }]);
        }
        expect(signals).not.toHaveBeenCalled();
        const ok = await post(
          `imp_uid=imp_${'9'.repeat(28)}&merchant_uid=${merchantUid}&status=paid`,
          'application/x-www-form-urlencoded',
        );
        expect(ok).toMatchObject({ status: 200, body: { routed: true } });
      } finally {
        signals.mockRestore();
      }
    });

    it('fuzz: no notification answers 5xx, and only well-formed ids ever reach a workflow', async () => {
      const target = await getState('hook-a');
      const before = target.totals.ignored_notifications + target.totals.duplicate_notifications;
      const goodImp = fc.stringMatching(/^imp_[0-9]{1,28}$/);
      const ours = fc
        .tuple(fc.stringMatching(/^[0-9a-z]{1,10}$/), fc.nat({ max: 9_999_999 }), fc.nat({ max: 9_999 }))
        .map(([t, cycle, attempt]) => `hook-a_${t}_${cycle}_${attempt}`);
      const imp = fc.oneof(
        { arbitrary: goodImp, weight: 3 },
        fc.constantFrom(
          '..',
          'a/b',
          '1'.repeat(100),
          'imp_',
          'IMP_1',
          ' imp_1',
          'imp_1\n',
          'imp_1/../2',
          `imp_${'1'.repeat(29)}`,
        ),
        fc.string({ maxLength: 40 }),
        fc.anything(),
      );
      const merchant = fc.oneof(
        { arbitrary: ours, weight: 2 },
        { arbitrary: fc.constant(target.pending_charge!.merchant_uid), weight: 2 },
        fc.stringMatching(/^[A-Za-z0-9-]{20}_[0-9a-z]{10}_[0-9]{7}_[0-9]{4}$/),
        fc.string({ maxLength: 60 }),
        fc.anything(),
      );
      const status = fc.oneof(
        { arbitrary: fc.constantFrom('paid', 'failed', 'cancelled', 'ready'), weight: 3 },
        fc.string({ maxLength: 50 }),
        fc.anything(),
      );
      const notification = fc.oneof(
        { arbitrary: fc.record({ imp_uid: imp, merchant_uid: merchant, status }), weight: 3 },
        fc.record({ imp_uid: imp, merchant_uid: merchant, status }, { requiredKeys: [] }),
      );
      const asForm = (value: Record<string, unknown>) =>
        Object.entries(value)
          .map(
            ([k, v]) =>
              `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`,
          )
          .join('&');
      const signals = jest.spyOn(server.subscriptions, 'signalPaymentNotification');
      let routed = 0;
      try {
        await fc.assert(
          fc.asyncProperty(notification, fc.boolean(), async (value, form) => {
            const res = form
              ? await post(asForm(value), 'application/x-www-form-urlencoded')
              : await post(JSON.stringify(value), 'application/json');
            expect(res.status).toBeGreaterThanOrEqual(200);
            expect(res.status).toBeLessThan(500);
            if (res.status === 200 && res.body.routed) routed += 1;
          }),
          { numRuns: 150 },
        );
        for (const [sent] of signals.mock.calls) {
          expect(sent.imp_uid).toMatch(/^imp_[0-9]{1,28}$/);
          expect(sent.merchant_uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
        }
      } finally {
        signals.mockRestore();
      }
      expect(routed).toBeGreaterThan(0);
      // what reached the workflow: every signal in its history carries well-formed ids
      const history = await env.client.workflow.getHandle(workflowIdFor('hook-a')).fetchHistory();
      const delivered = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(delivered.length).toBeGreaterThanOrEqual(routed);
      const payloadConverter = env.client.options.loadedDataConverter.payloadConverter;
      for (const event of delivered) {
        const [arg] = event.workflowExecutionSignaledEventAttributes!.input!.payloads!.map((p) =>
          payloadConverter.fromPayload<{ imp_uid: string; merchant_uid: string }>(p),
        );
        expect(arg.imp_uid).toMatch(/^imp_[0-9]{1,28}$/);
        expect(arg.merchant_uid.length).toBeLessThanOrEqual(40);
      }
      await eventually(async () => {
        const { totals, status: now } = await getState('hook-a');
        return now === 'active' && totals.ignored_notifications + totals.duplicate_notifications >= before;
      });
    });

    it('accepts webhooks only from the allowed addresses (X-Forwarded-For only behind a trusted proxy)', async () => {
      const notification = JSON.stringify({ imp_uid: 'imp_3', merchant_uid: 'elsewhere', status: 'paid' });
      const strict = await startBillingServer({
        client: env.client,
        iamport,
        taskQueue: TASK_QUEUE,
        app: { webhookAllowedIps: ['52.78.100.19', '52.78.48.223', '52.78.5.241'] },
      });
      const proxied = await startBillingServer({
        client: env.client,
        iamport,
        taskQueue: TASK_QUEUE,
        app: { webhookAllowedIps: ['52.78.100.19'], trustProxy: true },
      });
      const localhostAllowed = await startBillingServer({
        client: env.client,
        iamport,
        taskQueue: TASK_QUEUE,
        app: { webhookAllowedIps: ['127.0.0.1'] },
      });
      try {
        const refused = await post(notification, 'application/json', {}, strict.url);
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('forbidden');
        const spoofed = await post(notification, 'application/json', { 'x-forwarded-for': '52.78.100.19' }, strict.url);
        expect(spoofed.status).toBe(403);
        const viaProxy = await post(
          notification,
          'application/json',
          { 'x-forwarded-for': '52.78.100.19' },
          proxied.url,
        );
        expect(viaProxy.status).toBe(200);
        const spoofedViaProxy = await post(
          notification,
          'application/json',
          { 'x-forwarded-for': '52.78.100.19, 203.0.113.9' },
          proxied.url,
        );
        expect(spoofedViaProxy.status).toBe(403);
        expect((await post(notification, 'application/json', {}, localhostAllowed.url)).status).toBe(200);
        // the subscription API is not subject to the webhook allowlist
        expect((await strict.api('GET', '/subscriptions/card-1')).status).toBe(200);
      } finally {
        await Promise.all([strict.close(), proxied.close(), localhostAllowed.close()]);
      }
    });
  });

  describe('routing', () => {
    it('answers 404 for an unknown route and 405 for a wrong method, as JSON', async () => {
      const missing = await server.api('GET', '/nope');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      const wrongMethod = await server.api('DELETE', '/subscriptions/card-1');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toContain('GET');
      const badEscape = await server.api('GET', '/subscriptions/%E0%A4%A');
      expect(badEscape.status).toBeGreaterThanOrEqual(400);
      expect(badEscape.status).toBeLessThan(500);
    });

    it('tags every answer and log line with a request id', async () => {
      const res = await server.api('GET', '/subscriptions/card-1', undefined, { 'x-request-id': 'req-abc-123' });
      expect(res.headers.get('x-request-id')).toBe('req-abc-123');
      const line = server.logs.map((l) => JSON.parse(l)).find((l) => l.request_id === 'req-abc-123');
      expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/subscriptions/card-1', status: 200 });
      const generated = await server.api('GET', '/healthz', undefined, { 'x-request-id': 'bad id with spaces' });
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('SubscriptionClient, embedded without HTTP', () => {
    it('starts, queries and commands a subscription, with the same validation and typed errors', async () => {
      const client = server.subscriptions;
      await iamport.issueBillingKey('cust-embedded', card(TEST_CARDS.alwaysApprove));
      const started = await client.start({
        subscription_id: 'embedded-1',
        customer_uid: 'cust-embedded',
        plan: { name: 'Embedded', amount: 3300, interval: 'P7D' },
        start_at: inOneDay(),
      });
      expect(started).toMatchObject({
        subscription_id: 'embedded-1',
        status: 'active',
        workflow_id: 'subscription-embedded-1',
      });
      expect(started.run_id).toEqual(expect.any(String));
      expect(await client.lifecycle('embedded-1')).toBe('running');
      expect((await client.getState('embedded-1')).plan.interval).toBe('P7D');
      await expect(client.resume('embedded-1')).rejects.toMatchObject({ name: 'SubscriptionError', code: 'conflict' });
      await expect(client.changePlan('embedded-1', { amount: 0 })).rejects.toMatchObject({
        code: 'invalid_request',
        problems: [{ field: 'amount', message: 'must be greater than 0' }],
      });
      // card data cannot be passed on to a workflow, even by mistake
      const withCard = { ...laterSignup('embedded-2'), card: card(TEST_CARDS.alwaysApprove) };
      await expect(client.start(withCard as never)).rejects.toMatchObject({
        code: 'invalid_request',
        problems: [{ field: 'body', message: 'unknown field(s): "card"' }],
      });
      expect(await client.lifecycle('embedded-2')).toBe('none');
      expect(await client.signalPaymentNotification({ imp_uid: 'i', merchant_uid: 'x', status: 'paid' })).toEqual({
        routed: false,
        reason: 'unknown_merchant_uid',
      });
      expect(await client.isTemporalReachable()).toBe(true);
    });
  });

  describe('fuzzed requests', () => {
    // 'fuzz-target' does not exist: a body that happens to be valid reaches Temporal and gets a 404, never a change.
    const routes: [string, string][] = [
      ['POST', '/subscriptions'],
      ['POST', '/subscriptions/fuzz-target/cancel'],
      ['POST', '/subscriptions/fuzz-target/undo-cancel'],
      ['POST', '/subscriptions/fuzz-target/pause'],
      ['POST', '/subscriptions/fuzz-target/resume'],
      ['POST', '/subscriptions/fuzz-target/plan'],
      ['POST', '/subscriptions/fuzz-target/payment-method'],
      ['POST', WEBHOOK_PATH],
    ];
    const deep = (depth: number, open: string, close: string, leaf = '') =>
      open.repeat(depth) + leaf + close.repeat(depth);
    const nearValid = fc.record(
      {
        subscription_id: fc.anything(),
        customer_uid: fc.oneof(fc.string(), fc.anything()),
        plan: fc.oneof(
          fc.anything(),
          fc.record({ name: fc.anything(), amount: fc.anything(), interval: fc.anything() }),
        ),
        card: fc.oneof(
          fc.anything(),
          fc.record({ card_number: fc.string(), expiry: fc.string(), birth: fc.anything(), pwd_2digit: fc.anything() }),
        ),
        at_period_end: fc.anything(),
        amount: fc.anything(),
        imp_uid: fc.anything(),
        merchant_uid: fc.anything(),
        status: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.jsonValue().map((value) => ({ type: 'application/json', data: JSON.stringify(value) ?? 'null' })),
      nearValid.map((value) => ({ type: 'application/json', data: JSON.stringify(value) })),
      fc.string({ maxLength: 200 }).map((data) => ({ type: 'application/json', data })),
      fc.string({ maxLength: 200 }).map((data) => ({ type: 'application/x-www-form-urlencoded', data })),
      fc.uint8Array({ maxLength: 300 }).map((data) => ({ type: 'application/json', data: Buffer.from(data) })),
      fc
        .string({ minLength: 20_000, maxLength: 60_000, unit: 'binary' })
        .map((text) => ({ type: 'application/json', data: JSON.stringify({ customer_uid: text, imp_uid: text }) })),
      fc.integer({ min: 1, max: 15_000 }).map((n) => ({ type: 'application/json', data: deep(n, '[', ']') })),
      fc.integer({ min: 1, max: 5_000 }).map((n) => ({ type: 'application/json', data: deep(n, '{"a":', '}', '1') })),
      fc.integer({ min: 1, max: 2_000 }).map((n) => ({
        type: 'application/x-www-form-urlencoded',
        data: `imp_uid${'[a]'.repeat(n)}=1&merchant_uid=x_y&status=paid`,
      })),
      fc.constantFrom(
        { type: 'application/json', data: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) },
        { type: 'application/json; charset=utf-16', data: Buffer.from('{"a":1}', 'utf16le') },
        { type: 'application/json; charset=klingon', data: '{}' },
        { type: 'application/json', data: gzipSync('{"imp_uid":"1"}'), encoding: 'deflate' },
        { type: 'application/json', data: Buffer.from('not gzip at all'), encoding: 'gzip' },
        { type: 'application/json', data: gzipSync(' '.repeat(5_000_000)), encoding: 'gzip' },
        { type: 'application/json', data: '{}', encoding: 'br' },
        { type: 'application/json', data: '{"__proto__": {"admin": true}}' },
        { type: 'application/json', data: '{"constructor": {"prototype": {"x": 1}}}' },
        { type: 'multipart/form-data; boundary=x', data: '--x\r\n\r\n--x--' },
        { type: '', data: 'imp_uid=1' },
      ),
    );

    it.each(routes)('%s %s answers every malformed body with a 4xx', async (method, path) => {
      await fc.assert(
        fc.asyncProperty(
          body,
          async ({ type, data, encoding }: { type: string; data: string | Buffer; encoding?: string }) => {
            const res = await request(`${server.url}${path}`, {
              method,
              body: data,
              headers: {
                authorization: `Bearer ${API_TOKEN}`,
                ...(type ? { 'content-type': type } : {}),
                ...(encoding ? { 'content-encoding': encoding } : {}),
              },
            });
            if (path === WEBHOOK_PATH && res.status === 200) {
              // a well-formed notification no subscription wants
              expect(res.body).toEqual({ received: true, routed: false });
            } else {
              expect(res.status).toBeGreaterThanOrEqual(400);
              expect(res.status).toBeLessThan(500);
              expect(res.body.error.code).toEqual(expect.any(String));
            }
          },
        ),
        { numRuns: 80 },
      );
    });

    it('fuzzes path ids too, then the process still serves', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 300 }), fc.constantFrom('', '/cancel', '/plan'), async (id, suffix) => {
          const path = `/subscriptions/${encodeURIComponent(id)}${suffix}`;
          const res = suffix ? await server.api('POST', path, '{}') : await server.api('GET', path);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        }),
        { numRuns: 100 },
      );
      expect((await request(`${server.url}/healthz`, {})).status).toBe(200);
      expect((await getState('card-1')).status).toBe('active');
      const errors = server.logs.map((line) => JSON.parse(line)).filter((line) => line.level === 'error');
      expect(errors).toEqual([]);
    });
  });
});
