/**
 * Part of `npm run build`: bundles workflows/ once into dist/workflow-bundle.js, so a worker starts without running
 * webpack (faster, and without webpack's memory peak). The worker falls back to bundling at start when the file is
 * missing or older than the compiled workflows.
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_WORKFLOW_BUNDLE, WORKFLOWS_PATH } from './billing-worker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  writeFileSync(PREBUILT_WORKFLOW_BUNDLE, code);
  console.log(`workflow bundle: ${PREBUILT_WORKFLOW_BUNDLE} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
