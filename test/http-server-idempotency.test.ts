import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { MEMO, keyHash, subscriptionIdForKey } from '../src/idempotency';
import { createIamportClient, type IamportClient } from '../src/iamport';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { SUBSCRIPTION_ID_PATTERN, workflowIdFor } from '../workflows/ids';
import { startBillingServer, type BillingServer } from './helpers/billing-server';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET, workflowBundle } from './helpers/stack';
import { startDevServer } from './helpers/temporal';

const TASK_QUEUE = 'idempotency-test';
const card = (cardNumber: string = TEST_CARDS.alwaysApprove) => ({
  card_number: cardNumber,
  expiry: '2031-12',
  birth: '880808',
  pwd_2digit: '12',
});
const inOneDay = () => new Date(Date.now() + 86_400_000).toISOString();

describe('Idempotency-Key, shared customer_uid and production floors over HTTP', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: SandboxHandle;
  let iamport: IamportClient;
  let server: BillingServer;
  let live: BillingServer;
  let worker: Worker;
  let workerDone: Promise<void>;
  /** the customer_uids billing keys were issued for, in order */
  let issued: string[];

  beforeAll(async () => {
    env = await startDevServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET, admin: true });
    iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    issued = [];
    const issue = iamport.issueBillingKey.bind(iamport);
    // observes (and performs) every issuance the server makes
    iamport.issueBillingKey = (customerUid, ...rest) => {
      issued.push(customerUid);
      return issue(customerUid, ...rest);
    };
    server = await startBillingServer({ client: env.client, iamport, taskQueue: TASK_QUEUE });
    live = await startBillingServer({
      client: env.client,
      iamport,
      taskQueue: TASK_QUEUE,
      client_options: { iamportMode: 'live' },
    });
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
    await live?.close();
    await server?.close();
    await sandbox?.close();
    await env?.teardown();
  });

  const signup = (customerUid: string, extra: Record<string, unknown> = {}) => ({
    customer_uid: customerUid,
    card: card(),
    plan: { name: 'Basic', amount: 5000 },
    start_at: inOneDay(),
    ...extra,
  });

  describe('signup', () => {
    it('a retry with the same key and body answers the first 201, without a second billing key or workflow', async () => {
      const key = 'signup-key-1';
      const body = signup('cust-idem-1');
      const first = await server.api('POST', '/subscriptions', body, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(first.body.subscription_id).toBe(subscriptionIdForKey(key));
      expect(first.body.subscription_id).toMatch(SUBSCRIPTION_ID_PATTERN);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const issuedAfterFirst = issued.filter((uid) => uid === 'cust-idem-1').length;
      expect(issuedAfterFirst).toBe(1);

      const retry = await server.api('POST', '/subscriptions', body, { 'idempotency-key': key });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('location')).toBe(`/subscriptions/${first.body.subscription_id}`);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(issued.filter((uid) => uid === 'cust-idem-1')).toHaveLength(1);

      // one workflow, with the hashes (and nothing in clear) in its memo
      const description = await env.client.workflow.getHandle(workflowIdFor(first.body.subscription_id)).describe();
      expect(description.memo).toEqual({
        [MEMO.keyHash]: keyHash(key),
        [MEMO.requestHash]: expect.stringMatching(/^[0-9a-f]{64}$/),
        [MEMO.answer]: first.body,
      });
      expect(JSON.stringify(description.memo)).not.toContain('4242');
      const runs = await env.client.workflow.count(`WorkflowId = "${workflowIdFor(first.body.subscription_id)}"`);
      expect(runs.count).toBe(1);
    });

    it('the same key with another body is a 409 that issues no billing key and starts nothing', async () => {
      const key = 'signup-key-2';
      expect(
        (await server.api('POST', '/subscriptions', signup('cust-idem-2'), { 'idempotency-key': key })).status,
      ).toBe(201);
      const otherCard = await server.api(
        'POST',
        '/subscriptions',
        signup('cust-idem-2', { card: card('5555-4444-3333-2222') }),
        { 'idempotency-key': key },
      );
      expect(otherCard.status).toBe(409);
      expect(otherCard.body.error.code).toBe('idempotency_key_reused');
      expect(otherCard.body.error.message).toContain('Idempotency-Key was already used for another request');
      const otherPlan = await server.api(
        'POST',
        '/subscriptions',
        signup('cust-idem-2', { plan: { name: 'Basic', amount: 5001 } }),
        { 'idempotency-key': key },
      );
      expect(otherPlan.status).toBe(409);
      expect(issued.filter((uid) => uid === 'cust-idem-2')).toHaveLength(1);
      expect((await iamport.getBillingKey('cust-idem-2')).card_name).not.toBe('KB국민카드');
    });

    it('a key with a subscription_id some other request started is already_exists, not a replay', async () => {
      expect(
        (await server.api('POST', '/subscriptions', signup('cust-idem-3', { subscription_id: 'idem-3' }))).status,
      ).toBe(201);
      const keyed = await server.api('POST', '/subscriptions', signup('cust-idem-3b', { subscription_id: 'idem-3' }), {
        'idempotency-key': 'signup-key-3',
      });
      expect(keyed.status).toBe(409);
      expect(keyed.body.error.code).toBe('already_exists');
      expect(issued).not.toContain('cust-idem-3b');
    });

    it('refuses a customer_uid another running subscription bills, unless allow_shared_customer_uid is true', async () => {
      expect(
        (await server.api('POST', '/subscriptions', signup('cust-shared', { subscription_id: 'shared-1' }))).status,
      ).toBe(201);
      const before = issued.length;
      const second = await server.api('POST', '/subscriptions', signup('cust-shared', { subscription_id: 'shared-2' }));
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('customer_uid_in_use');
      expect(second.body.error.details).toEqual([
        { field: 'customer_uid', message: expect.stringContaining('allow_shared_customer_uid') },
      ]);
      // the card was not sent: it would have replaced shared-1's card
      expect(issued.length).toBe(before);
      expect((await server.api('GET', '/subscriptions/shared-2')).status).toBe(404);

      const withoutCard = { ...signup('cust-shared', { subscription_id: 'shared-2' }), card: undefined };
      expect((await server.api('POST', '/subscriptions', withoutCard)).status).toBe(409);
      const allowed = await server.api('POST', '/subscriptions', { ...withoutCard, allow_shared_customer_uid: true });
      expect(allowed.status).toBe(201);
      expect((await server.api('GET', '/subscriptions/shared-2')).body.customer_uid).toBe('cust-shared');

      // once shared-1 and shared-2 have ended, the customer_uid is free again
      for (const id of ['shared-1', 'shared-2']) {
        expect((await server.api('POST', `/subscriptions/${id}/cancel`)).status).toBe(200);
        await env.client.workflow.getHandle(workflowIdFor(id)).result();
      }
      await eventually(async () => {
        const res = await server.api('POST', '/subscriptions', signup('cust-shared', { subscription_id: 'shared-3' }));
        return res.status === 201;
      });
    });

    it.each([`q"uo'te\\back`, 'ünï-😀', "a'--", 'say"hi', '\\"'])(
      'finds a running subscription by a customer_uid like %s',
      async (uid) => {
        const id = `odd-${Math.random().toString(36).slice(2, 8)}`;
        const first = await server.api('POST', '/subscriptions', signup(uid, { subscription_id: id }));
        expect(first.status).toBe(201);
        const second = await server.api('POST', '/subscriptions', { ...signup(uid), card: undefined });
        expect(second.status).toBe(409);
        expect(second.body.error.code).toBe('customer_uid_in_use');
      },
    );

    it('refuses a malformed Idempotency-Key with 400', async () => {
      for (const key of ['has space', 'x'.repeat(256), 'a\tb']) {
        const res = await server.api('POST', '/subscriptions', signup('cust-badkey'), { 'idempotency-key': key });
        expect(res.status).toBe(400);
        expect(res.body.error.details).toEqual([{ field: 'Idempotency-Key', message: expect.stringContaining('255') }]);
      }
      expect(issued).not.toContain('cust-badkey');
    });
  });

  describe('commands', () => {
    beforeAll(async () => {
      for (const id of ['cmd-a', 'cmd-b', 'cmd-c']) {
        expect((await server.api('POST', '/subscriptions', signup(`cust-${id}`, { subscription_id: id }))).status).toBe(
          201,
        );
      }
    });

    const acceptedUpdates = async (id: string) => {
      const history = await env.client.workflow.getHandle(workflowIdFor(id)).fetchHistory();
      return (history.events ?? []).flatMap((e) => {
        const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
        return accepted ? [{ id: accepted.meta!.updateId!, name: accepted.input!.name! }] : [];
      });
    };

    it('a repeated command with the same key answers the first result instead of a conflict, applied once', async () => {
      const first = await server.api('POST', '/subscriptions/cmd-a/pause', undefined, { 'idempotency-key': 'pause-a' });
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('paused');
      const again = await server.api('POST', '/subscriptions/cmd-a/pause', {}, { 'idempotency-key': 'pause-a' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // without the key the same command is a new one, refused by the state
      expect((await server.api('POST', '/subscriptions/cmd-a/pause')).status).toBe(409);
      const pauses = (await acceptedUpdates('cmd-a')).filter((u) => u.name === 'pause');
      expect(pauses).toHaveLength(1);
      expect(pauses[0].id).toMatch(/^[0-9a-f]{16}\.[0-9a-f]{16}$/);
      expect(pauses[0].id.split('.')[0]).toBe(keyHash('pause-a').slice(0, 16));
    });

    it('the same key for another command or body is a 409 and changes nothing', async () => {
      const resume = await server.api('POST', '/subscriptions/cmd-a/resume', undefined, {
        'idempotency-key': 'pause-a',
      });
      expect(resume.status).toBe(409);
      expect(resume.body.error.code).toBe('idempotency_key_reused');
      const plan1 = await server.api(
        'POST',
        '/subscriptions/cmd-b/plan',
        { amount: 4000 },
        { 'idempotency-key': 'plan-b' },
      );
      expect(plan1.status).toBe(200);
      const plan2 = await server.api(
        'POST',
        '/subscriptions/cmd-b/plan',
        { amount: 3000 },
        { 'idempotency-key': 'plan-b' },
      );
      expect(plan2.status).toBe(409);
      expect(plan2.body.error.code).toBe('idempotency_key_reused');
      expect((await server.api('GET', '/subscriptions/cmd-b')).body.plan.amount).toBe(4000);
      expect((await server.api('GET', '/subscriptions/cmd-a')).body.status).toBe('paused');
    });

    it('a new card with a key is issued once however often the request is repeated', async () => {
      const body = { customer_uid: 'cust-cmd-b-new', card: card('5555-4444-3333-2222') };
      const first = await server.api('POST', '/subscriptions/cmd-b/payment-method', body, {
        'idempotency-key': 'pm-b',
      });
      expect(first.status).toBe(200);
      const again = await server.api('POST', '/subscriptions/cmd-b/payment-method', body, {
        'idempotency-key': 'pm-b',
      });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(issued.filter((uid) => uid === 'cust-cmd-b-new')).toHaveLength(1);
      const otherCard = await server.api(
        'POST',
        '/subscriptions/cmd-b/payment-method',
        { ...body, card: card() },
        { 'idempotency-key': 'pm-b' },
      );
      expect(otherCard.status).toBe(409);
      expect(issued.filter((uid) => uid === 'cust-cmd-b-new')).toHaveLength(1);
    });

    it('refuses a new card under a customer_uid another running subscription bills (it would replace that card)', async () => {
      const before = issued.length;
      const res = await server.api('POST', '/subscriptions/cmd-b/payment-method', {
        customer_uid: 'cust-cmd-a',
        card: card('5555-4444-3333-2222'),
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('customer_uid_in_use');
      expect(issued.length).toBe(before);
      const shared = await server.api('POST', '/subscriptions/cmd-b/payment-method', {
        customer_uid: 'cust-cmd-a',
        allow_shared_customer_uid: true,
      });
      expect(shared.status).toBe(200);
      expect(shared.body.customer_uid).toBe('cust-cmd-a');
    });

    it('a cancel repeated with its key after the subscription ended answers the first result', async () => {
      const first = await server.api('POST', '/subscriptions/cmd-c/cancel', {}, { 'idempotency-key': 'cancel-c' });
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('canceled');
      await env.client.workflow.getHandle(workflowIdFor('cmd-c')).result();
      const again = await server.api('POST', '/subscriptions/cmd-c/cancel', {}, { 'idempotency-key': 'cancel-c' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // another request on the ended subscription is still refused
      const other = await server.api('POST', '/subscriptions/cmd-c/cancel', {}, { 'idempotency-key': 'cancel-c2' });
      expect(other.status).toBe(409);
      expect(other.body.error.message).toBe('the subscription is canceled');
    });
  });

  describe('SubscriptionClient, embedded', () => {
    it('commands take an updateId: the same id is one update, answered twice alike', async () => {
      const client = server.subscriptions;
      const signup = {
        subscription_id: 'embedded-u',
        customer_uid: 'cust-cmd-a',
        plan: { name: 'Basic', amount: 5000 },
        start_at: inOneDay(),
      };
      // cust-cmd-a is billed by cmd-a: the embedded client refuses the share as the HTTP API does
      await expect(client.start(signup)).rejects.toMatchObject({ code: 'customer_uid_in_use' });
      expect((await client.start({ ...signup, allow_shared_customer_uid: true })).replayed).toBe(false);
      const first = await client.pause('embedded-u', { updateId: 'hosted-page-42' });
      const again = await client.pause('embedded-u', { updateId: 'hosted-page-42' });
      expect(again).toEqual(first);
      await expect(client.pause('embedded-u', { updateId: 'hosted-page-43' })).rejects.toMatchObject({
        code: 'conflict',
      });
      await expect(client.resume('embedded-u', { updateId: 'not an id' })).rejects.toMatchObject({
        code: 'invalid_request',
      });
    });

    it('signals only well-formed ids', async () => {
      await expect(
        server.subscriptions.signalPaymentNotification({
          imp_uid: '../x',
          merchant_uid: 'embedded-u_a_1_1',
          status: 'paid',
        }),
      ).rejects.toMatchObject({
        code: 'invalid_request',
        problems: [{ field: 'imp_uid', message: expect.any(String) }],
      });
      const long = `${'a'.repeat(20)}_${'z'.repeat(10)}_1234567_1234`;
      expect(
        await server.subscriptions.signalPaymentNotification({ imp_uid: 'imp_1', merchant_uid: long, status: 'paid' }),
      ).toEqual({ routed: false, reason: 'unknown_merchant_uid' });
    });
  });

  describe('production floors (IAMPORT_MODE=live)', () => {
    it('refuses intervals under a day and dunning delays under an hour before any card is sent', async () => {
      const before = issued.length;
      const minute = await live.api(
        'POST',
        '/subscriptions',
        signup('cust-floor', { plan: { name: 'Basic', amount: 5000, interval: 'PT1M' } }),
      );
      expect(minute.status).toBe(400);
      expect(minute.body.error.details).toEqual([
        { field: 'plan.interval', message: expect.stringContaining('PT1M is one minute') },
      ]);
      expect(minute.body.error.message).toContain('did you mean P1M?');
      const dunning = await live.api(
        'POST',
        '/subscriptions',
        signup('cust-floor', { dunning: { retry_delays: ['PT1H', 'PT5M'], final_action: 'cancel' } }),
      );
      expect(dunning.status).toBe(400);
      expect(dunning.body.error.details).toEqual([
        { field: 'dunning.retry_delays[1]', message: expect.stringContaining('PT5M is 5 minutes') },
      ]);
      expect(issued.length).toBe(before);

      const daily = await live.api(
        'POST',
        '/subscriptions',
        signup('cust-floor', { subscription_id: 'floor-1', plan: { name: 'Daily', amount: 500, interval: 'P1D' } }),
      );
      expect(daily.status).toBe(201);
      const hourly = await live.api('POST', '/subscriptions/floor-1/plan', { interval: 'PT1H' });
      expect(hourly.status).toBe(400);
      expect(hourly.body.error.details).toEqual([
        { field: 'interval', message: expect.stringContaining('PT1H is one hour') },
      ]);
      expect((await live.api('POST', '/subscriptions/floor-1/plan', { interval: 'P1Y' })).status).toBe(200);
      // the sandbox keeps allowing short ones
      expect((await server.api('POST', '/subscriptions/floor-1/plan', { interval: 'PT1M' })).status).toBe(200);
    });
  });
});
