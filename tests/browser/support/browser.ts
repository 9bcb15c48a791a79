import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for Debian's Chromium on a CPU-only machine: no network chatter, and
 * WebGPU through SwiftShader so that the real WebGPU path runs here.
 */
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

/** Serves the built site (`dist/`) on localhost, a secure context for `navigator.gpu`. */
export async function serveDist(): Promise<{ server: PreviewServer; url: string }> {
  if (!existsSync(join(ROOT, 'dist', 'index.html'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run test:browser does)');
  }
  const server = await preview({
    root: ROOT,
    logLevel: 'warn',
    preview: { host: 'localhost', port: 0, strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server reported no local URL');
  return { server, url };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** What went wrong on a page: uncaught errors, console errors, failed requests and requests that left the origin. */
export interface PageProblems {
  errors: string[];
}

/** Records every page error, console error, failed request and off-origin request. */
export function watchPage(page: Page, origin: string): PageProblems {
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (e) => problems.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      problems.errors.push(`request left the origin: ${url}`);
    }
  });
  return problems;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * For one test file: serves the built site and launches Chromium before its
 * tests, and closes both after them. Read `site.url` and `site.browser`
 * inside tests (they are set once `beforeAll` has run).
 */
export function useBuiltSite(): { readonly url: string; readonly browser: Browser } {
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  let url = '';
  beforeAll(async () => {
    ({ server, url } = await serveDist());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get url() {
      return url;
    },
    get browser() {
      if (!browser) throw new Error('useBuiltSite: Chromium is not running yet (read site.browser inside a test)');
      return browser;
    },
  };
}
