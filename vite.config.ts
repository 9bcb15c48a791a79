import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { offlinePlugin } from './vite/offlinePlugin.js';
import { cspPlugin } from './vite/cspPlugin.js';

// `base: './'` makes every asset path relative, so the built site works from
// any sub-path of any static host. offlinePlugin emits sw.js, the service
// worker that lets the lab load and train offline after the first visit.
export default defineConfig({
  base: './',
  plugins: [react(), offlinePlugin(), cspPlugin()],
  build: {
    target: 'es2022',
    sourcemap: true,
  },
  worker: {
    format: 'es',
  },
  server: {
    host: 'localhost',
  },
  preview: {
    host: 'localhost',
  },
});
