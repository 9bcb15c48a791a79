import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isPrecached, precacheManifest, serviceWorkerScript } from '../../vite/offlinePlugin';

describe('offlinePlugin', () => {
  it('precaches everything but source maps, the service worker and dotfiles', () => {
    expect(isPrecached('index.html', 'sw.js')).toBe(true);
    expect(isPrecached('assets/tfjs-backend-wasm-simd-abc.wasm', 'sw.js')).toBe(true);
    expect(isPrecached('assets/index-abc.js.map', 'sw.js')).toBe(false);
    expect(isPrecached('sw.js', 'sw.js')).toBe(false);
    expect(isPrecached('.gitkeep', 'sw.js')).toBe(false);
    expect(isPrecached('.vite/manifest.json', 'sw.js')).toBe(false);
  });

  it('versions the manifest by file names and bytes, whatever their order', () => {
    const a = precacheManifest(new Map([['index.html', '<html>'], ['assets/a.js', 'a']]));
    expect(a.files).toEqual(['assets/a.js', 'index.html']);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
    expect(precacheManifest(new Map([['assets/a.js', 'a'], ['index.html', '<html>']])).version).toBe(a.version);
    expect(precacheManifest(new Map([['index.html', '<html> '], ['assets/a.js', 'a']])).version).not.toBe(a.version);
    expect(precacheManifest(new Map([['index.html', '<html>'], ['assets/b.js', 'a']])).version).not.toBe(a.version);
    expect(precacheManifest(new Map<string, string | Uint8Array>([['index.html', '<html>'], ['assets/a.js', new Uint8Array([97])]])).version).toBe(a.version);
  });

  it('builds the service worker as a classic script that starts with its manifest', async () => {
    const path = 'src/sw/serviceWorker.ts';
    const manifest = { version: '0123456789abcdef', files: ['assets/a.js', 'index.html'] };
    const code = await serviceWorkerScript(manifest, readFileSync(resolve(__dirname, '..', '..', path), 'utf8'), path);
    expect(() => new Script(code)).not.toThrow(); // a module (import/export) would not parse as a script
    expect(code).toContain(`const PRECACHE = ${JSON.stringify(manifest, null, 2)};`);
    expect(code).not.toMatch(/\bPrecacheManifest\b|: Promise</);
    await expect(serviceWorkerScript(manifest, "import { x } from './x';\nconsole.log(x);\n", 'bad.ts')).rejects.toThrow(/classic script/);
  });
});
