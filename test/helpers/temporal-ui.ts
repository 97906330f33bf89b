import type { Page } from 'playwright-core';

/** One row of Temporal UI's workflow list, as the operator reads it: column header → cell text. */
export type WorkflowRow = Record<string, string>;

export interface WorkflowListing {
  /** the number in the page title ("2 Workflows"), from the UI's count request */
  count: number;
  rows: WorkflowRow[];
  /** the filter chips the UI made of the query, without whitespace: `SubscriptionStatus="past_due"` */
  filters: string[];
}

/** The workflow list of a namespace filtered by a visibility query, the way an operator would bookmark it. */
export function workflowListUrl(uiUrl: string, query: string, namespace = 'default'): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

const PAGE_SIZE = 100;
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Reads the list as rendered, once the count is shown and as many rows as it announces (up to one page): the UI
 * fetches the count and the rows separately, so a half-rendered page would otherwise be read.
 */
export async function readWorkflowListing(page: Page, timeoutMs = 15_000): Promise<WorkflowListing> {
  const countLabel = page.getByTestId('workflow-count');
  await countLabel.waitFor({ timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  let listing: WorkflowListing | undefined;
  while (Date.now() < deadline) {
    listing = await readOnce(page);
    // The count and the rows arrive separately (the count can show 0 for a moment): only a page whose count, read
    // before and after the rows, agrees with them is settled.
    const countAfter = await readCount(page);
    if (Number.isInteger(listing.count) && listing.count === countAfter) {
      if (listing.rows.length === Math.min(listing.count, PAGE_SIZE)) return listing;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(
    `Temporal UI did not settle: it announces ${listing?.count} workflows but shows ${listing?.rows.length} rows`,
  );
}

async function readCount(page: Page): Promise<number> {
  return Number(squash((await page.getByTestId('workflow-count').textContent()) ?? ''));
}

async function readOnce(page: Page): Promise<WorkflowListing> {
  const count = await readCount(page);
  const headers = (await page.locator('th[data-testid^="workflows-summary-table-header-cell-"]').allTextContents()).map(
    squash,
  );
  const rows: WorkflowRow[] = [];
  for (const row of await page.getByTestId('workflows-summary-configurable-table-row').all()) {
    const cells = (await row.getByTestId('workflows-summary-table-body-cell').allTextContents()).map(squash);
    rows.push(Object.fromEntries(headers.map((header, i) => [header, cells[i] ?? ''])));
  }
  const filters = (await page.locator('button[aria-controls^="dropdown-filter-chip-"]').allTextContents()).map((chip) =>
    chip.replace(/\s+/g, ''),
  );
  return { count, rows, filters };
}

/**
 * Sets the workflow table's columns through its "Configure Workflows Table" drawer, as an operator would (the UI keeps
 * the choice in the browser's storage, so it holds for the pages opened after). Also collapses the saved views.
 */
export async function configureColumns(page: Page, columns: { remove?: string[]; add?: string[] }): Promise<void> {
  await page.getByTestId('workflows-summary-table-configuration-button').click();
  for (const column of columns.remove ?? []) {
    await page.getByRole('button', { name: `Remove ${column} column`, exact: true }).click();
  }
  for (const column of columns.add ?? []) {
    await page.getByRole('button', { name: `Add ${column} column`, exact: true }).click();
  }
  await page.getByRole('button', { name: 'Close Workflows Table configuration' }).click();
  const collapse = page.getByRole('button', { name: 'Collapse saved views' });
  if (await collapse.isVisible()) await collapse.click();
}
