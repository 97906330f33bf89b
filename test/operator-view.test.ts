/**
 * The operator's view: the real stack (as `npm start` runs it) and its Temporal UI in headless Chromium. Filtering the
 * workflow list on the custom search attributes must list exactly the subscriptions in that state.
 * Screenshots go to test-output/screenshots/; UPDATE_DOCS_SCREENSHOT=1 also refreshes the README's picture.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../tools/local-stack/stack';
import { TEST_CARDS } from 'iamport-sandbox';
import { PROJECT_ROOT } from '../src/temporal-binaries';
import { workflowIdFor } from '../workflows/ids';
import type { SubscriptionStatus } from '../workflows/types';
import type { SubscriptionView } from '../workflows/view';
import { BUYER } from './helpers/buyer-data';
import { findChromium, launchChromium, type LaunchedBrowser } from './helpers/browser';
import { freePorts } from './helpers/free-port';
import { configureColumns, readWorkflowListing, workflowListUrl, type WorkflowListing } from './helpers/temporal-ui';

const OUTPUT_DIR = join(PROJECT_ROOT, 'test-output', 'operator-view');
const SCREENSHOT_DIR = join(PROJECT_ROOT, 'test-output', 'screenshots');
const DOCS_SCREENSHOT = join(PROJECT_ROOT, 'docs', 'operator-view-past-due.png');

type FixtureStatus = Extract<SubscriptionStatus, 'past_due' | 'active' | 'paused' | 'canceled'>;

interface Fixture {
  id: string;
  card: string;
  /** what the operator does after the first charge went through */
  then?: 'pause' | 'cancel';
  status: FixtureStatus;
  buyer?: typeof BUYER;
}

const FIXTURES: Fixture[] = [
  { id: 'past-due-1', card: TEST_CARDS.insufficientBalance, status: 'past_due' },
  { id: 'past-due-2', card: TEST_CARDS.overLimit, status: 'past_due' },
  { id: 'active-1', card: TEST_CARDS.alwaysApprove, status: 'active', buyer: BUYER },
  { id: 'active-2', card: TEST_CARDS.alwaysApprove, status: 'active' },
  { id: 'paused-1', card: TEST_CARDS.alwaysApprove, then: 'pause', status: 'paused' },
  { id: 'canceled-1', card: TEST_CARDS.alwaysApprove, then: 'cancel', status: 'canceled' },
];
const customerOf = (fixture: Fixture) => `cust-${fixture.id}`;
const workflowIdsIn = (status: FixtureStatus) =>
  FIXTURES.filter((fixture) => fixture.status === status)
    .map((fixture) => workflowIdFor(fixture.id))
    .sort();

/**
 * Each billing cycle continues as new, and a closed run keeps the search attributes it ended with: the run before a
 * pause still says "active". Operators add ExecutionStatus="Running" to see only current runs; a canceled
 * subscription's run is closed (Completed), and no earlier run ever says "canceled". past_due runs are open until the
 * charge is paid, so the plain filter from the issue lists exactly them.
 */
const OPERATOR_QUERIES: Record<FixtureStatus, string> = {
  past_due: 'SubscriptionStatus="past_due"',
  active: 'SubscriptionStatus="active" AND ExecutionStatus="Running"',
  paused: 'SubscriptionStatus="paused" AND ExecutionStatus="Running"',
  canceled: 'SubscriptionStatus="canceled"',
};

/** Reads until `done` holds or time runs out; returns the last reading either way, for the assertion to show. */
async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch((error: unknown) => {
      if (Date.now() >= deadline) throw error;
      return undefined;
    });
    if (value !== undefined && (done(value) || Date.now() >= deadline)) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const sameIds = (actual: string[], expected: string[]) =>
  JSON.stringify([...actual].sort()) === JSON.stringify(expected);
const idsOf = (listing: WorkflowListing) => listing.rows.map((row) => row['Workflow ID']).sort();
const distinctIdsOf = (listing: WorkflowListing) => [...new Set(idsOf(listing))];

describe('operator view: Temporal UI filtered by subscription search attributes', () => {
  let dataDir: string | undefined;
  let stack: LocalStack | undefined;
  let temporal: Connection | undefined;
  let chromium: LaunchedBrowser | undefined;
  let page: Page;

  async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<SubscriptionView> {
    const response = await fetch(`${stack!.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack!.apiToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as SubscriptionView;
  }

  async function waitForState(id: string, done: (state: SubscriptionView) => boolean): Promise<void> {
    const state = await settle(() => api('GET', `/subscriptions/${id}`), done, 30_000);
    if (!done(state)) {
      throw new Error(`subscription ${id} stuck in ${state.status} (waiting for ${state.waiting_for})`);
    }
  }

  async function createInState(fixture: Fixture): Promise<void> {
    await api('POST', '/subscriptions', {
      subscription_id: fixture.id,
      customer_uid: customerOf(fixture),
      card: { card_number: fixture.card, expiry: '2099-12', birth: '900101', pwd_2digit: '00' },
      plan: { name: 'Basic monthly', amount: 9900, interval: 'P1M' },
      ...(fixture.buyer ? { buyer: fixture.buyer } : {}),
    });
    if (fixture.status === 'past_due') {
      await waitForState(fixture.id, (state) => state.status === 'past_due');
      return;
    }
    await waitForState(fixture.id, (state) => state.status === 'active' && state.totals.paid_count === 1);
    if (fixture.then) await api('POST', `/subscriptions/${fixture.id}/${fixture.then}`, {});
    await waitForState(fixture.id, (state) => state.status === fixture.status);
  }

  /** Temporal's visibility store lags the workflows a little; the UI can only show what it already holds. */
  async function waitForVisibility(client: Client): Promise<void> {
    for (const status of new Set(FIXTURES.map((fixture) => fixture.status))) {
      const query = OPERATOR_QUERIES[status];
      const listed = await settle(
        async () => {
          const ids: string[] = [];
          for await (const workflow of client.workflow.list({ query })) ids.push(workflow.workflowId);
          return ids;
        },
        (ids) => sameIds(ids, workflowIdsIn(status)),
        20_000,
      );
      expect({ query, listed: [...listed].sort() }).toEqual({ query, listed: workflowIdsIn(status) });
    }
  }

  /** Opens the list with `query` in the URL, as a bookmarked filter would, and reads it once it shows `expected`. */
  async function listInUi(
    query: string,
    expected: string[],
    screenshot: string,
    ids: (listing: WorkflowListing) => string[] = idsOf,
  ): Promise<WorkflowListing> {
    const listing = await settle(
      async () => {
        await page.goto(workflowListUrl(stack!.urls.ui!, query));
        return readWorkflowListing(page);
      },
      (read) => sameIds(ids(read), expected),
      20_000,
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${screenshot}.png`) });
    return listing;
  }

  beforeAll(async () => {
    findChromium(); // before the stack starts: a missing browser fails at once, saying how to install one
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'operator-view-'));
    const [temporalPort, temporalUi, sandbox, http, metrics, codec] = await freePorts(6);
    stack = await startLocalStack({
      dataDir,
      ports: { temporal: temporalPort, temporalUi, sandbox, http, metrics, codec },
    });
    temporal = await Connection.connect({ address: stack.urls.temporal });
    chromium = await launchChromium({ viewport: { width: 1280, height: 800 } });
    page = await chromium.context.newPage();

    await Promise.all(FIXTURES.map(createInState));
    await waitForVisibility(new Client({ connection: temporal }));

    // What an operator wants next to each subscription, instead of run ids and the workflow type
    await page.goto(workflowListUrl(stack.urls.ui!, OPERATOR_QUERIES.past_due));
    await readWorkflowListing(page);
    await configureColumns(page, {
      remove: ['Run ID', 'Type', 'Start', 'End'],
      add: ['SubscriptionStatus', 'CustomerUid', 'PlanAmount', 'NextChargeAt'],
    });
  }, 150_000);

  afterAll(async () => {
    const steps = [
      () => chromium?.close(),
      () => temporal?.close(),
      () => stack?.stop(),
      // the processes' logs outlive the run, for whoever reads a CI failure
      () => dataDir && cpSync(join(dataDir, 'logs'), join(OUTPUT_DIR, 'logs'), { recursive: true }),
      () => dataDir && rmSync(dataDir, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        console.error('operator-view cleanup:', error);
      }
    }
  }, 90_000);

  it('SubscriptionStatus="past_due" lists exactly the subscriptions whose charges are being retried', async () => {
    const expected = workflowIdsIn('past_due');
    const listing = await listInUi(OPERATOR_QUERIES.past_due, expected, 'past-due');
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      mkdirSync(dirname(DOCS_SCREENSHOT), { recursive: true });
      // the top of the page only: below the two rows there is nothing but white
      await page.screenshot({ path: DOCS_SCREENSHOT, clip: { x: 0, y: 0, width: 1280, height: 400 } });
    }

    expect(idsOf(listing)).toEqual(expected);
    expect(listing.count).toBe(expected.length);
    expect(listing.filters).toEqual(['SubscriptionStatus="past_due"']);
    for (const row of listing.rows) {
      expect(row).toMatchObject({ Status: 'Running', SubscriptionStatus: 'past_due', PlanAmount: '9900' });
      expect(row.CustomerUid).toBe(`cust-${row['Workflow ID'].replace(/^subscription-/, '')}`);
    }
  });

  it.each(['active', 'paused', 'canceled'] as const)(
    'the %s filter lists exactly those subscriptions',
    async (status) => {
      const expected = workflowIdsIn(status);
      const listing = await listInUi(OPERATOR_QUERIES[status], expected, status);

      expect(idsOf(listing)).toEqual(expected);
      expect(listing.count).toBe(expected.length);
      expect(listing.filters).toContain(`SubscriptionStatus="${status}"`);
      expect(listing.rows.map((row) => row.SubscriptionStatus)).toEqual(expected.map(() => status));
    },
  );

  it('CustomerUid lists one customer’s runs: the canceled last one Completed, the earlier ones continued as new', async () => {
    const canceled = FIXTURES.find((fixture) => fixture.status === 'canceled')!;
    const expected = [workflowIdFor(canceled.id)];
    const listing = await listInUi(`CustomerUid="${customerOf(canceled)}"`, expected, 'customer-uid', distinctIdsOf);

    expect(distinctIdsOf(listing)).toEqual(expected);
    expect(listing.filters).toEqual([`CustomerUid="${customerOf(canceled)}"`]);
    const statuses = listing.rows.map((row) => row.Status);
    expect(statuses.filter((status) => status !== 'Continued as New')).toEqual(['Completed']);
  });

  it("shows a buyer's data decrypted through the codec server, while Temporal itself holds only ciphertext", async () => {
    const workflowId = workflowIdFor('active-1');
    // what Temporal stores (and a UI without the codec would show): the encrypted payload
    const plain = new Client({ connection: temporal! });
    const description = await plain.workflow.getHandle(workflowId).fetchHistory();
    const input = description.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');

    // the operator's page: the UI asks the codec server (npm start points it there) and shows the plain input
    const shown = await settle(
      async () => {
        await page.goto(`${stack!.urls.ui!}/namespaces/default/workflows/${workflowId}`);
        await page.getByText(BUYER.email).first().waitFor({ timeout: 10_000 });
        return page.locator('body').innerText();
      },
      (text) => text.includes(BUYER.email),
      40_000,
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'decrypted-input.png'), fullPage: true });
    for (const value of [BUYER.name, BUYER.email, BUYER.tel]) expect(shown).toContain(value);
  });
});
