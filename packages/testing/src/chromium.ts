// Debian's Chromium driven by playwright-core, for browser tests (never a browser downloaded by a
// test tool). Flags: headless, no sandbox (tests run as root), and no background networking, since
// the build machines have no internet and Chromium would otherwise retry Google's hosts.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

export interface TestBrowser {
  readonly browser: Browser;
  /** A new isolated context (own cookies, localStorage) per call. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Starts Chromium headless. playwright-core gives every launch a fresh, temporary
 * `--user-data-dir` of its own (it refuses one in `args`) and removes it on close.
 */
export async function launchChromium(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (scripts/install-test-deps.sh)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
  return { browser, newContext: (options) => browser.newContext(options), close: () => browser.close() };
}

/** Where tests keep screenshots and other artefacts (`test-artifacts/<suite>/`, git-ignored). */
export function artifactDir(suite: string): string {
  const dir = path.resolve(process.cwd(), 'test-artifacts', suite);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
