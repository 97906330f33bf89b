/**
 * A published iamport V1 client that nobody here wrote, iamport's own `iamport-rest-client-nodejs`, run unchanged
 * against the sandbox: token, billing key, schedule, webhook, lookup, refund.
 */
import { Iamport, Request } from 'iamport-rest-client-nodejs';
import type { SandboxHandle } from '../src';
import { API_KEY, API_SECRET, startTestSandbox, startWebhookReceiver, T0_SEC } from './sandbox-helpers';

const { Authenticate, Customers, Payments, Subscribe } = Request;

type CancelData = Parameters<typeof Payments.cancel>[0];
type FindParams = Parameters<typeof Payments.getByMerchantUid>[0];

/** The client rejects with `{ response: { data } }` for a non-zero code, like axios does for an HTTP error. */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ status?: number; data: { code: number; message: string } }> {
  try {
    await promise;
  } catch (error) {
    return (error as { response: { status?: number; data: { code: number; message: string } } }).response;
  }
  throw new Error('expected the client to reject');
}

/** Sends a request through the client; an unexpected rejection becomes an error that says what the sandbox answered. */
async function send<R>(request: { request(client: Iamport): Promise<R> }, client: Iamport): Promise<R> {
  try {
    return await request.request(client);
  } catch (error) {
    const response = (error as { response?: { status?: number; config?: { url?: string }; data?: unknown } }).response;
    throw new Error(
      `${response?.config?.url ?? 'request'} → ${response?.status ?? ''} ${JSON.stringify(response?.data)}`,
    );
  }
}

describe('iamport-rest-client-nodejs (the official V1 client) against the sandbox', () => {
  let sandbox: SandboxHandle;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let iamport: Iamport;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox();
    iamport = new Iamport({ apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: sandbox.url });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('gets a token, and is refused one with a wrong secret', async () => {
    const token = await send(Authenticate.getToken({ imp_key: API_KEY, imp_secret: API_SECRET }), iamport);
    expect(token.data.code).toBe(0);
    // the client turns unix seconds into Dates: the sandbox's token lives tokenLifetimeSec on its clock
    expect(token.data.response).toMatchObject({ access_token: expect.any(String), expired_at: expect.any(Date) });
    expect((token.data.response as { expired_at: Date }).expired_at.getTime()).toBe(
      sandbox.clock.now() + 365 * 86_400_000,
    );
    const wrong = new Iamport({ apiKey: API_KEY, apiSecret: 'not-the-secret', baseUrl: sandbox.url });
    const refused = await rejection(Customers.getBillingKey({ customer_uid: 'anyone' }).request(wrong));
    expect(refused.status).toBe(401);
  });

  it('issues a billing key, schedules a charge, is notified, looks it up and refunds it', async () => {
    const issued = await send(
      Customers.postBillingKey({
        customer_uid: 'official_kim',
        card_number: '4242-4242-4242-4242',
        expiry: '2031-12',
        birth: '900101',
        pwd_2digit: '12',
        customer_name: '김민지',
        customer_tel: '010-1234-5678',
        customer_email: 'minji@example.com',
        customer_addr: '서울특별시',
        customer_postcode: '04524',
      }),
      iamport,
    );
    expect(issued.data.response).toMatchObject({ customer_uid: 'official_kim', card_number: '424242******4242' });
    const key = await send(Customers.getBillingKey({ customer_uid: 'official_kim' }), iamport);
    expect(key.data.response).toMatchObject({ customer_uid: 'official_kim', customer_name: '김민지' });

    const scheduleAt = T0_SEC + 3600;
    const scheduled = await send(
      Subscribe.schedule({
        customer_uid: 'official_kim',
        schedules: [
          {
            merchant_uid: 'official_sub_1',
            schedule_at: scheduleAt,
            amount: 9900,
            name: '월간 구독',
            notice_url: receiver.url,
          },
        ],
      }),
      iamport,
    );
    expect(scheduled.data.response).toEqual([
      expect.objectContaining({
        merchant_uid: 'official_sub_1',
        schedule_at: new Date(scheduleAt * 1000),
        schedule_status: 'scheduled',
      }),
    ]);
    const pending = await send(Subscribe.getScheduled({ merchant_uid: 'official_sub_1' }), iamport);
    expect(pending.data.response).toMatchObject({ schedule_status: 'scheduled', amount: 9900 });

    // the hour passes: iamport runs the schedule and notifies the merchant
    sandbox.clock.advance(3600_000);
    await sandbox.runDue();
    expect(receiver.received).toHaveLength(1);
    const notification = receiver.received[0].body as { imp_uid: string; merchant_uid: string; status: string };
    expect(notification).toMatchObject({ merchant_uid: 'official_sub_1', status: 'paid' });

    // the merchant verifies the webhook by looking the payment up, by imp_uid and by merchant_uid
    const byImpUid = await send(Payments.getByImpUid({ imp_uid: notification.imp_uid }), iamport);
    expect(byImpUid.data.response).toMatchObject({
      imp_uid: notification.imp_uid,
      merchant_uid: 'official_sub_1',
      status: 'paid',
      amount: 9900,
      customer_uid: 'official_kim',
    });
    const find = { merchant_uid: 'official_sub_1', status: 'paid', sorting: '-started' } as unknown as FindParams;
    const byMerchantUid = await send(Payments.getByMerchantUid(find), iamport);
    expect(byMerchantUid.data.response).toMatchObject({ imp_uid: notification.imp_uid });
    const executed = await send(Subscribe.getScheduled({ merchant_uid: 'official_sub_1' }), iamport);
    expect(executed.data.response).toMatchObject({ schedule_status: 'executed', payment_status: 'paid' });

    // a partial refund with checksum, then a stale checksum is refused
    const partial = { imp_uid: notification.imp_uid, amount: 4900, checksum: 9900, reason: '부분 환불' };
    const refunded = await send(Payments.cancel(partial as unknown as CancelData), iamport);
    expect(refunded.data.response).toMatchObject({ status: 'paid', cancel_amount: 4900 });
    const stale = await rejection(Payments.cancel(partial as unknown as CancelData).request(iamport));
    expect(stale.data.code).toBe(1);
    expect(stale.data.message).toContain('checksum');
    expect(sandbox.ledger().refunds).toEqual([expect.objectContaining({ amount: 4900, full: false })]);
  });

  it('charges a stored key with again and a card with onetime; a decline is a failed payment, not an error', async () => {
    const again = await send(
      Subscribe.again({
        customer_uid: 'official_kim',
        merchant_uid: 'official_again_1',
        amount: 1000,
        name: '추가 결제',
      }),
      iamport,
    );
    expect(again.data.response).toMatchObject({ status: 'paid', amount: 1000 });
    const declined = await send(
      Subscribe.onetime({
        merchant_uid: 'official_onetime_1',
        amount: 2000,
        card_number: '4000-0000-0000-0003',
        expiry: '2031-12',
        birth: '900101',
        name: '단건',
      }),
      iamport,
    );
    expect(declined.data.code).toBe(0);
    expect(declined.data.response).toMatchObject({
      status: 'failed',
      fail_reason: expect.stringContaining('한도초과'),
    });
  });
});
