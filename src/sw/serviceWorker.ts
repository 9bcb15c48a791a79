/// <reference lib="webworker" />
/**
 * The offline service worker: after the first visit the lab loads and trains
 * with no network at all.
 *
 * Built by vite/offlinePlugin.ts into `dist/sw.js` as a classic script (no
 * imports survive: the one below is type-only), with `const PRECACHE = {...}`
 * prepended: every file of the build and a hash over them.
 *
 * - install: precache every file of this build into one cache whose name holds
 *   the build's hash. Without skipWaiting: a new deploy waits until the pages
 *   of the old one are closed, so a running lab never loses its old chunks.
 * - activate: delete this site's caches of other builds, then claim the open
 *   pages, so that the first visit is already served from the cache.
 * - fetch: only same-origin GETs are answered. Navigations go to the network
 *   (a few seconds at most) and fall back to the cached index.html; precached
 *   files come from the cache first; anything else goes to the network first
 *   and falls back to what was cached of it. Other hosts are never touched.
 */
import type { PrecacheManifest } from './manifest';

declare const PRECACHE: PrecacheManifest;

const sw = self as unknown as ServiceWorkerGlobalScope;

/** How long a navigation waits for the network before the cached page is used (bad classroom Wi-Fi). */
const NAVIGATION_TIMEOUT_MS = 3000;

// Paths are relative to this script. Caches are per origin, so the name also
// holds the path: two copies of the lab on one host keep their own caches.
const base = new URL('./', sw.location.href);
const CACHE_PREFIX = `impala-lab ${base.pathname} `;
const CACHE_NAME = CACHE_PREFIX + PRECACHE.version;
const INDEX_URL = new URL('index.html', base).href;
const PRECACHED = new Set(PRECACHE.files.map((file) => new URL(file, base).href));

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      // `reload`: straight from the server, not from a stale HTTP cache. addAll
      // is all or nothing, so a half-fetched build never gets installed.
      await cache.addAll([...PRECACHED].map((url) => new Request(url, { cache: 'reload' })));
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME).map((name) => caches.delete(name)));
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return; // never cache, nor answer for, other hosts
  if (request.mode === 'navigate') event.respondWith(navigate(request));
  else if (PRECACHED.has(url.href)) event.respondWith(cacheFirst(event));
  else event.respondWith(networkFirst(event));
});

async function navigate(request: Request): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), NAVIGATION_TIMEOUT_MS);
  try {
    return await fetch(request, { signal: abort.signal });
  } catch (error) {
    const cache = await caches.open(CACHE_NAME);
    const page = await cache.match(INDEX_URL);
    if (!page) throw error;
    return page.redirected ? unredirected(page) : page;
  } finally {
    clearTimeout(timer);
  }
}

async function cacheFirst(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const cache = await caches.open(CACHE_NAME);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  // Evicted by the browser: fetch it again, and keep it.
  const response = await fetch(request);
  event.waitUntil(keep(cache, request, response.clone()));
  return response;
}

async function networkFirst(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const cache = await caches.open(CACHE_NAME);
  try {
    const response = await fetch(request);
    if (request.url.startsWith(base.href)) event.waitUntil(keep(cache, request, response.clone()));
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (!cached) throw error;
    return cached;
  }
}

/** Stores a copy of a complete same-origin answer (not a 206 range, not an error page). */
async function keep(cache: Cache, request: Request, copy: Response): Promise<void> {
  if (copy.status !== 200 || copy.type !== 'basic') return;
  try {
    await cache.put(request, copy);
  } catch {
    // Out of quota, or a response the Cache API refuses: serve it uncached.
  }
}

/**
 * A copy of a response that came through a redirect (a host that sends
 * index.html to ./). Browsers refuse redirected responses for navigations.
 */
async function unredirected(response: Response): Promise<Response> {
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
}
