import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { readTemporalBinaries } from '../../src/temporal-binaries';

/**
 * A real Temporal dev server (Temporal CLI, SQLite in memory) on a free port. Search attribute keys given here are
 * registered at start, so workflows can upsert them at once. `port` pins the port (to restart a server where clients
 * expect it); `dbFilename` keeps the SQLite database in that file instead of memory.
 */
export async function startDevServer(
  options: {
    searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
    extraArgs?: string[];
    port?: number;
    dbFilename?: string;
  } = {},
): Promise<TestWorkflowEnvironment> {
  const { devServer } = readTemporalBinaries();
  return startingPatiently(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: devServer },
        searchAttributes: options.searchAttributes,
        extraArgs: options.extraArgs,
        port: options.port,
        dbFilename: options.dbFilename,
      },
    }),
  );
}

/**
 * The time-skipping test server: timers fire as soon as the workflow would otherwise only wait. Search attribute
 * keys given here are registered through its OperatorService.
 */
export async function startTimeSkippingServer(
  options: { searchAttributes?: SearchAttributeKey<SearchAttributeType>[] } = {},
): Promise<TestWorkflowEnvironment> {
  const { testServer } = readTemporalBinaries();
  const env = await startingPatiently(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServer } },
    }),
  );
  if (options.searchAttributes?.length) {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        options.searchAttributes.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]]),
      ),
    });
  }
  return env;
}

const INDEXED_VALUE_TYPE: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * The SDK gives a server 5 s to answer after it was spawned; on a busy machine a JVM (the test server) can take
 * longer. Try again, a few times, before failing the suite.
 */
async function startingPatiently(
  start: () => Promise<TestWorkflowEnvironment>,
  tries = 3,
): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const slow = error instanceof Error && /did not start within/.test(error.message);
      if (!slow || attempt >= tries) throw error;
    }
  }
}
