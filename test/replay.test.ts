/**
 * Replays recorded histories (test/fixtures/histories, made by `RECORD_HISTORIES=1 npx jest test/workflow-history
 * test/workflow-commands-during-outage`)
 * against the current workflow code: a change that would break running subscriptions fails here. To change the
 * workflow's commands safely, branch with patched('change-id') (README: Upgrading workflow code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { HISTORY_DIR } from './helpers/histories';
import { workflowBundle } from './helpers/stack';

const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));

it('has recorded histories to replay', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      // recorded by the subscription core before its restructure: replay in workflows/legacy
      'v1-happy-cycle.json',
      'v1-dunning-then-recovery.json',
      'v1-pause-resume-cancel-at-period-end.json',
      'v1-cancel-while-registering.json',
      // recorded by the current code
      'happy-cycle.json',
      'dunning-then-recovery.json',
      'pause-resume-cancel-at-period-end.json',
      'cancel-while-registering.json',
    ]),
  );
});

it('replays every recorded history without a determinism error', async () => {
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(join(HISTORY_DIR, file), 'utf8'))),
  }));
  const results: { workflowId: string; error?: unknown }[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    results.push(result);
  }
  expect(results.map((r) => [r.workflowId, r.error ? String(r.error) : 'ok'])).toEqual(
    files.map((f) => [f.replace(/\.json$/, ''), 'ok']),
  );
});
