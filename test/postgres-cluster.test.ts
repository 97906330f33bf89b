/**
 * The production path, on this machine: a real Temporal server (the release the CLI embeds) on PostgreSQL, set up by
 * scripts/setup-temporal-postgres.mjs like docker-compose.yml sets up its own. One billing cycle end to end — signup,
 * charge, webhook, verified payment — with payload encryption on; then PostgreSQL's tables hold no buyer data in
 * clear.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { createIamportClient } from '../src/iamport';
import { startPostgresTemporal, type PostgresTemporal } from '../tools/local-stack/postgres-cluster';
import { startSandbox, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { ENCRYPTED_ENCODING } from '../src/temporal/codec';
import { billingDataConverter } from '../src/temporal/data-converter';
import { parseEncryptionKeys } from '../src/temporal/encryption-keys';
import { PROJECT_ROOT } from '../src/temporal-binaries';
import type { SubscriptionState } from '../workflows/types';
import { startBillingServer, type BillingServer } from './helpers/billing-server';
import { BUYER, buyerFormsIn } from './helpers/buyer-data';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET, workflowBundle } from './helpers/stack';

/** A pg_dump's text with every bytea value (`\x…` hex) also decoded, so payload bytes are searched as stored. */
function dumpWithBytea(dump: string): Buffer {
  const blobs = [...dump.matchAll(/\\x([0-9a-f]+)/g)].map((m) => Buffer.from(m[1], 'hex'));
  return Buffer.concat([Buffer.from(dump, 'utf8'), ...blobs]);
}

describe('billing on a Temporal cluster backed by PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'temporal-postgres-'));
  const keys = parseEncryptionKeys(`pg-test:${randomBytes(32).toString('base64')}`);
  let cluster: PostgresTemporal | undefined;
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection | undefined;
  let sandbox: SandboxHandle | undefined;
  let server: BillingServer | undefined;
  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;

  beforeAll(async () => {
    cluster = await startPostgresTemporal({ dataDir });
    connection = await Connection.connect({ address: cluster.address });
    const client = new Client({ connection, namespace: cluster.namespace, dataConverter: billingDataConverter(keys) });
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    const iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    server = await startBillingServer({ client, iamport, taskQueue: 'postgres-billing' });
    nativeConnection = await NativeConnection.connect({ address: cluster.address });
    worker = await createBillingWorker({
      connection: nativeConnection,
      namespace: cluster.namespace,
      taskQueue: 'postgres-billing',
      iamport,
      noticeUrl: `${server.url}${WEBHOOK_PATH}`,
      workflowBundle: await workflowBundle(),
      encryptionKeys: keys,
    });
    workerDone = worker.run();
  }, 300_000);

  afterAll(async () => {
    const steps = [
      async () => {
        if (worker?.getState() === 'RUNNING') worker.shutdown();
        await workerDone;
      },
      () => nativeConnection?.close(),
      () => server?.close(),
      () => sandbox?.close(),
      () => connection?.close(),
      () => cluster?.stop(),
      // the cluster's logs outlive the run, for whoever reads a CI failure
      () => cpSync(join(dataDir, 'logs'), join(PROJECT_ROOT, 'test-output', 'postgres-cluster'), { recursive: true }),
      () => rmSync(dataDir, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        console.error('postgres-cluster cleanup:', error);
      }
    }
  }, 120_000);

  it('signs up, charges and verifies the payment; PostgreSQL holds no buyer name, e-mail or phone in clear', async () => {
    const signup = await server!.api('POST', '/subscriptions', {
      subscription_id: 'pg-1',
      customer_uid: 'cust-pg-1',
      card: { card_number: '4242-4242-4242-4242', expiry: '2032-07', birth: '900101', pwd_2digit: '00' },
      plan: { name: 'Postgres Plan', amount: 5500, interval: 'P1M' },
      buyer: BUYER,
    });
    expect(signup.status).toBe(201);
    await eventually(async () => {
      const res = await server!.api('GET', '/subscriptions/pg-1');
      return (res.body as SubscriptionState).recent_payments?.[0]?.status === 'paid';
    }, 90_000);
    const state = (await server!.api('GET', '/subscriptions/pg-1')).body as SubscriptionState;
    expect(state).toMatchObject({ status: 'active', totals: { paid_count: 1 } });
    expect(JSON.stringify(state)).toContain(BUYER.email); // decrypted by the client's codec
    const charges = sandbox!.ledger().charges.filter((charge) => charge.customer_uid === 'cust-pg-1');
    expect(charges.map((charge) => [charge.amount, charge.status])).toEqual([[5500, 'paid']]);

    const stored = Buffer.concat([
      dumpWithBytea(cluster!.dump('temporal')),
      dumpWithBytea(cluster!.dump('temporal_visibility')),
    ]);
    // the search is meaningful: the plain search attribute and the encrypted payloads are in what was dumped
    expect(stored.includes('cust-pg-1')).toBe(true);
    expect(stored.includes(ENCRYPTED_ENCODING)).toBe(true);
    expect(stored.includes('postgres-billing')).toBe(true);
    expect(buyerFormsIn(stored)).toEqual([]);
    expect(stored.includes('Postgres Plan')).toBe(false);
  });
});
