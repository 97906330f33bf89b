import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run setup:temporal` (scripts/setup-temporal.mjs) recorded the Temporal servers it found. */
export interface TemporalBinaries {
  devServer: string;
  testServer: string;
}

export const PROJECT_ROOT = join(__dirname, '..');
const MANIFEST = join(PROJECT_ROOT, '.temporal', 'binaries.json');

export function readTemporalBinaries(): TemporalBinaries {
  if (!existsSync(MANIFEST)) {
    throw new Error(`${MANIFEST} is missing: run \`npm run setup:temporal\` first (npm test runs it for you).`);
  }
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as TemporalBinaries;
  for (const path of [manifest.devServer, manifest.testServer]) {
    if (!existsSync(path)) throw new Error(`${path} is gone: run \`npm run setup:temporal\` again.`);
  }
  return manifest;
}
