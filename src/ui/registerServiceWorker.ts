/**
 * Registers the offline service worker (`sw.js`, emitted next to index.html
 * by vite/offlinePlugin.ts) so that the lab works with no network after the
 * first visit. URLs are relative to the page, so the site works from any
 * sub-path. Only for production builds, in secure contexts (https or
 * localhost) of browsers that have service workers; a failure is logged
 * quietly, as the lab works without it.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const register = (): void => {
    const base = new URL(import.meta.env.BASE_URL, document.baseURI);
    navigator.serviceWorker
      .register(new URL('sw.js', base), { scope: base.href })
      .catch((error: unknown) => console.info('IMPALA Lab will not work offline: the service worker did not register.', error));
  };
  // After the page has loaded, so that precaching does not compete with it.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
