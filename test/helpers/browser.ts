import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const INSTALL_HINT =
  'Install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set CHROMIUM_PATH to a Chromium/Chrome executable.';

/** Flags for a machine without internet: no sandbox (containers), and nothing that phones Google. */
const OFFLINE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium, else `chromium` on PATH; throws saying how to get one. */
export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file. ${INSTALL_HINT}`);
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'chromium'));
  const found = ['/usr/bin/chromium', ...onPath].find(isExecutable);
  if (!found) throw new Error(`No Chromium found (looked at /usr/bin/chromium and PATH). ${INSTALL_HINT}`);
  return found;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** closes the browser and removes its profile directory */
  close(): Promise<void>;
}

/**
 * Headless Chromium driven by playwright-core, with a new empty profile (playwright refuses `--user-data-dir` in
 * `args`, so the profile is given to launchPersistentContext instead).
 */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}) {
  const executablePath = findChromium();
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true });
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: OFFLINE_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    const launched: LaunchedBrowser = {
      context,
      async close() {
        await context.close();
        removeProfile();
      },
    };
    return launched;
  } catch (error) {
    removeProfile();
    throw error;
  }
}
