import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, watchPage } from './support/browser';
import { serveStatic } from './support/staticServer';
import { precacheManifest, serviceWorkerScript } from '../../vite/offlinePlugin';

const DIST = resolve(__dirname, '..', '..', 'dist');

let server: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  ({ server, url } = await serveStatic(DIST, '/school/impala/'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (server?.listening) await new Promise((r) => server.close(r));
});

/** The `const PRECACHE = {...}` that vite/offlinePlugin.ts writes at the top of sw.js. */
function precache(dir = DIST): { version: string; files: string[] } {
  const match = /^const PRECACHE = (\{[\s\S]*?\n\});$/m.exec(readFileSync(resolve(dir, 'sw.js'), 'utf8'));
  if (!match) throw new Error('dist/sw.js has no PRECACHE manifest');
  return JSON.parse(match[1]!) as { version: string; files: string[] };
}

describe('the built site offline, after one visit (service worker, under a sub-path)', () => {
  it('sw.js precaches every file of the build except source maps and itself', () => {
    const built = readdirSync(DIST, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(DIST, resolve(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((file) => !file.endsWith('.map') && file !== 'sw.js' && !file.split('/').some((part) => part.startsWith('.')))
      .sort();
    const { version, files } = precache();
    expect(files).toEqual(built);
    expect(files).toContain('index.html');
    expect(files.filter((file) => file.endsWith('.wasm'))).toHaveLength(3);
    expect(files.some((file) => /actor\.worker-.*\.js$/.test(file))).toBe(true);
    expect(version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('with the network off and the server gone, loads from the cache and trains on the WASM learner', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watchPage(page, new URL(url).origin);

    // First visit: online. The worker installs (precaching everything) and claims the page.
    await page.goto(url);
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(url);
    expect(await page.evaluate(() => caches.keys())).toEqual([`impala-lab /school/impala/ ${precache().version}`]);
    await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 60_000 });

    // No network, and nothing left to serve it anyway.
    await context.setOffline(true);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));

    const fromCache: string[] = [];
    const notFromCache: string[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith('data:') || response.url().startsWith('blob:')) return;
      (response.fromServiceWorker() ? fromCache : notFromCache).push(response.url().slice(url.length));
    });
    await page.reload();
    await page.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    await page.getByLabel('Backend', { exact: true }).selectOption('wasm');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="frames"]')?.getAttribute('data-value')) > 200, null, { timeout: 120_000 });
    expect(await page.getByTestId('backend').getAttribute('data-backend')).toBe('wasm');
    await screenshot(page, 'offline-training');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();

    // The page, the app, the actor workers and tf.js's .wasm all came from the service worker.
    expect(notFromCache).toEqual([]);
    expect(fromCache).toContain('');
    expect(fromCache.some((file) => /actor\.worker-.*\.js$/.test(file))).toBe(true);
    expect(fromCache.some((file) => file.endsWith('.wasm'))).toBe(true);
    expect(problems.errors).toEqual([]);
    await context.close();
  });

  it('a new deploy installs beside the old one, takes over once the old pages are closed, and deletes the old cache', async () => {
    const site = mkdtempSync(join(tmpdir(), 'impala-lab-deploy-'));
    cpSync(DIST, site, { recursive: true });
    const host = await serveStatic(site, '/school/impala-next/');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cacheNames = async (page: Page) => page.evaluate(() => caches.keys());
    try {
      const first = await context.newPage();
      const problems = watchPage(first, new URL(host.url).origin);
      await first.goto(host.url);
      await first.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 60_000 });
      const before = precache(site).version;
      expect(await cacheNames(first)).toEqual([`impala-lab /school/impala-next/ ${before}`]);

      // Deploy: a changed index.html, and the sw.js the build would write for it.
      writeFileSync(join(site, 'index.html'), readFileSync(join(site, 'index.html'), 'utf8').replace('<title>IMPALA Lab</title>', '<title>IMPALA Lab (new)</title>'));
      const manifest = precacheManifest(new Map(precache(site).files.map((file) => [file, readFileSync(join(site, file))])));
      const source = 'src/sw/serviceWorker.ts';
      writeFileSync(join(site, 'sw.js'), await serviceWorkerScript(manifest, readFileSync(resolve(__dirname, '..', '..', source), 'utf8'), source));
      expect(manifest.version).not.toBe(before);

      // The open page finds the update; it installs but waits, so this page keeps its cache.
      await first.evaluate(async () => (await navigator.serviceWorker.ready).update());
      await expect.poll(() => first.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state), { timeout: 60_000 }).toBe('installed');
      expect((await cacheNames(first)).sort()).toEqual([`impala-lab /school/impala-next/ ${before}`, `impala-lab /school/impala-next/ ${manifest.version}`].sort());
      expect(problems.errors).toEqual([]);
      await first.close();

      // With the old page closed, the next visit gets the new deploy and the old cache is gone.
      const second = await context.newPage();
      await second.goto(host.url);
      await second.getByRole('heading', { name: 'IMPALA Lab' }).waitFor();
      expect(await second.title()).toBe('IMPALA Lab (new)');
      await expect.poll(() => cacheNames(second), { timeout: 60_000 }).toEqual([`impala-lab /school/impala-next/ ${manifest.version}`]);
      await expect.poll(() => second.evaluate(() => navigator.serviceWorker.controller?.scriptURL), { timeout: 60_000 }).toBe(`${host.url}sw.js`);
    } finally {
      await context.close();
      await new Promise((r) => host.server.close(r));
      rmSync(site, { recursive: true, force: true });
    }
  });
});
