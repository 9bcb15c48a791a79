import type { Plugin } from 'vite';

/**
 * The built page's Content-Security-Policy: scripts, workers, styles and
 * connections from the page's own origin only; no inline script and no
 * eval. `'wasm-unsafe-eval'` lets WebAssembly compile (tf.js's WASM
 * backend) without allowing JavaScript eval. `img-src data: blob:` covers
 * the empty favicon and chart PNG exports. `ws: wss:` in connect-src:
 * a class run's join link connects the tab to the run's NATS server over a
 * WebSocket, on a host the build cannot know. Only in builds: the dev server
 * injects inline scripts for hot reload.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

export function cspPlugin(): Plugin {
  return {
    name: 'impala-lab-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
    },
  };
}
