/**
 * What the build tells the service worker: the files to precache and a
 * version that changes whenever any of them does. vite/offlinePlugin.ts
 * writes it at the top of the emitted `sw.js` as `const PRECACHE = {...}`.
 */
export interface PrecacheManifest {
  /** A hash over every precached file's name and bytes; part of the cache name. */
  version: string;
  /** Paths relative to `sw.js` (which sits next to index.html), e.g. `assets/index-abc123.js`. */
  files: string[];
}
