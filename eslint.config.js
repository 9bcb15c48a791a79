import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// ---------------------------------------------------------------------------
// The layers of src/core, lowest first. A folder may import folders listed
// before it (and itself), never one listed after it, so the arrows of the
// import graph all point down this list and no cycle can cross folders:
//
//   rng           seeded randomness
//   envs          environments, their metadata (envInfo) and the task suite
//   render        pure renderers of environment states
//   tf            TensorFlow.js kernel fixes
//   optim         optimisers
//   agent         V-trace, losses, PopArt
//   model         networks and which network takes which observations
//   actor         acting: unrolls from environments and a network
//   learner       learning: batches, updates
//   config        the experiment schema, presets, share links
//   telemetry     metrics, series, training history, run scores
//   replay        recordings and the policy player
//   training      a training run from a config
//   persistence   checkpoints (model files) and saved runs
//   swarm         a run over NATS: unroll and weight wire formats, the
//                 learner's and actors' links, the swarm actor
//
// Each layer gets one config block below, generated from this list: its
// `no-restricted-imports` forbids relative imports that reach a later
// folder (`../config/...`, `../../telemetry/...`).
const CORE_LAYERS = [
  'rng', 'envs', 'render', 'tf', 'optim', 'agent', 'model', 'actor', 'learner',
  'config', 'telemetry', 'replay', 'training', 'persistence', 'swarm',
];

/** Known exceptions, each with its way out: file -> the upward folders it may import (none today). */
const LAYER_EXCEPTIONS = {};

/** The files of src/ui/lab that use the browser; the Lab's other parts get them through LabDeps. */
const LAB_BROWSER_ADAPTERS = ['browserLab.ts', 'selectBackend.ts', 'webWorkerActor.ts', 'workerLearner.ts', 'testHooks.ts', 'faultInjection.ts', 'frameRateMeter.ts'];

/** What no core file may import, whatever its layer. */
const CORE_PATTERNS = [
  { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'The core is React-free.' },
  { group: ['**/ui/**', '**/workers/**', '**/node/**'], message: 'The core may not import adapters.' },
  { group: ['node:*', 'fs', 'path', 'worker_threads'], message: 'The core runs in browsers too: no Node built-ins.' },
];

function upwardPattern(layer, above) {
  return {
    regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
    caseSensitive: true,
    message: `src/core/${layer} may import only the layers below it (${CORE_LAYERS.slice(0, CORE_LAYERS.indexOf(layer)).join(', ') || 'none'}); see CORE_LAYERS in eslint.config.js.`,
  };
}

function coreLayerBlocks() {
  const blocks = CORE_LAYERS.slice(0, -1).map((layer, i) => ({
    files: [`src/core/${layer}/**/*.ts`],
    ignores: Object.keys(LAYER_EXCEPTIONS),
    rules: { 'no-restricted-imports': ['error', { patterns: [...CORE_PATTERNS, upwardPattern(layer, CORE_LAYERS.slice(i + 1))] }] },
  }));
  for (const [file, allowed] of Object.entries(LAYER_EXCEPTIONS)) {
    const layer = file.split('/')[2];
    const above = CORE_LAYERS.slice(CORE_LAYERS.indexOf(layer) + 1).filter((l) => !allowed.includes(l));
    blocks.push({ files: [file], rules: { 'no-restricted-imports': ['error', { patterns: [...CORE_PATTERNS, upwardPattern(layer, above)] }] } });
  }
  return blocks;
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'runs/', 'test-results/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Randomness is seeded and passed in: use RandomState.' }],
    },
  },
  {
    // The core is DOM-free and React-free: it runs in Node, workers and the page.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: CORE_PATTERNS }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'requestAnimationFrame'],
    },
  },
  ...coreLayerBlocks(),
  {
    files: ['src/ui/**/*.tsx', 'src/ui/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The Lab's parts are framework-free: React, the DOM, workers, storage and
    // timers come in through LabDeps (browserLab.ts passes the browser's), so
    // Node tests drive them (tests/unit/lab).
    files: ['src/ui/lab/*.ts'],
    ignores: LAB_BROWSER_ADAPTERS.map((f) => `src/ui/lab/${f}`),
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: "The Lab's parts are React-free." },
          ...LAB_BROWSER_ADAPTERS.map((f) => ({ group: [`./${f.replace(/\.ts$/, '')}`], message: 'Browser adapters are passed in through LabDeps (see browserLab.ts).' })),
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'indexedDB', 'requestAnimationFrame', 'Worker', 'setTimeout', 'setInterval', 'performance'],
    },
  },
);
