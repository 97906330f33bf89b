import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { readTemporalBinaries } from '../../src/temporal-binaries';

/**
 * A real Temporal dev server (Temporal CLI, SQLite in memory) on a free port. Search attribute keys given here are
 * registered at start, so workflows can upsert them at once.
 */
export async function startDevServer(
  options: { searchAttributes?: SearchAttributeKey<SearchAttributeType>[]; extraArgs?: string[] } = {},
): Promise<TestWorkflowEnvironment> {
  const { devServer } = readTemporalBinaries();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: devServer },
      searchAttributes: options.searchAttributes,
      extraArgs: options.extraArgs,
    },
  });
}

/** The time-skipping test server: timers fire as soon as the workflow would otherwise only wait. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const { testServer } = readTemporalBinaries();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServer } },
  });
}
