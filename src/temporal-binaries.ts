import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where `npm run setup:temporal` (scripts/setup-temporal.mjs) recorded the Temporal servers it found. */
export interface TemporalBinaries {
  devServer: string;
  testServer: string;
}

/** The folder holding package.json, whether this runs from src/ (ts) or dist/src/ (built). */
export const PROJECT_ROOT = findProjectRoot(__dirname);
function findProjectRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
  }
  throw new Error(`no project root above ${from}`);
}
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
