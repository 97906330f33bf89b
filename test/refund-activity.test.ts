/**
 * The refund activity against the sandbox over HTTP: iamport's checksum guard makes a retried refund (its answer
 * lost) or a racing one refund once, and a lost answer of the refund itself is recognised afterwards.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { startSandbox, type SandboxHandle } from 'iamport-sandbox';
import { createActivities, type BillingActivities } from '../activities';
import { createIamportClient } from '../src/iamport';
import { SANDBOX_KEY, SANDBOX_SECRET } from './helpers/stack';
import { issueKey, uniqueId } from './helpers/subscriptions';

let sandbox: SandboxHandle;
let activities: BillingActivities;
const iamport = () => createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });

beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET, clock: { frozen: true }, tickMs: 0 });
  activities = createActivities({ iamport: iamport(), includeSandbox: true, now: () => sandbox.clock.now() });
});
afterEach(() => sandbox.faults.set({ failAfterRate: 0 }));
afterAll(() => sandbox?.close());

async function paidPayment(amount: number): Promise<string> {
  const id = uniqueId('rf');
  const customer = await issueKey(iamport(), `cust-${id}`);
  const paid = await iamport().again({ customer_uid: customer, merchant_uid: `m-${id}`, amount, name: 'Plan' });
  expect(paid.status).toBe('paid');
  return paid.imp_uid;
}

const run = (input: Parameters<BillingActivities['refundPayment']>[0]) =>
  new MockActivityEnvironment().run(activities.refundPayment, input);
const refundsOf = (impUid: string) => sandbox.ledger().refunds.filter((r) => r.imp_uid === impUid);

it('refunds once when the same refund is sent twice (a retry after a lost answer)', async () => {
  const impUid = await paidPayment(9900);
  const input = { imp_uid: impUid, amount: 4000, checksum: 9900, reason: 'partial' };
  expect(await run(input)).toEqual({ outcome: 'refunded', refunded_total: 4000 });
  expect(await run(input)).toEqual({ outcome: 'refunded', refunded_total: 4000 });
  expect(refundsOf(impUid).map((r) => r.amount)).toEqual([4000]);
});

it('a racing refund whose checksum is stale is refused, with what iamport says was refunded', async () => {
  const impUid = await paidPayment(9900);
  await run({ imp_uid: impUid, amount: 4000, checksum: 9900, reason: 'first' });
  const stale = await run({ imp_uid: impUid, amount: 9900, checksum: 9900, reason: 'second' });
  expect(stale).toMatchObject({ outcome: 'refused', refunded_total: 4000 });
  expect((stale as { reason: string }).reason).toContain('checksum');
  expect(refundsOf(impUid).map((r) => r.amount)).toEqual([4000]);
});

it('a refund whose answer was lost is recognised on the next try, not made again', async () => {
  const impUid = await paidPayment(9900);
  sandbox.faults.set({ failAfterRate: 1 });
  await expect(run({ imp_uid: impUid, amount: 9900, checksum: 9900, reason: 'lost' })).rejects.toThrow();
  sandbox.faults.set({ failAfterRate: 0 });
  expect(await run({ imp_uid: impUid, amount: 9900, checksum: 9900, reason: 'lost' })).toEqual({
    outcome: 'refunded',
    refunded_total: 9900,
  });
  expect(refundsOf(impUid).map((r) => r.amount)).toEqual([9900]);
  expect((await iamport().getPayment(impUid, { includeSandbox: true })).status).toBe('cancelled');
});
