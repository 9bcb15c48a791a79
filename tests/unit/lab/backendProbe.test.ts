import { afterEach, describe, expect, it } from 'vitest';
import { envSpecFor, learnerOptionsFor } from '../../../src/core/training/fromConfig';
import { describeMeasurement, fallbackOrder, measurementKey, type BackendMeasurement } from '../../../src/ui/lab/backendProbe';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, memoryMeasurements, testBackends, waitFor } from './labHarness';

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

describe('Automatic, measured (BackendProbe)', () => {
  it('times each backend the browser offers with the run’s own learner and picks the most frames/s; a reload reuses the figures; Measure again measures again', async () => {
    const measurements = memoryMeasurements();
    const backends = testBackends({ wasm: 'wasm', cpu: 'cpu' });
    ({ lab } = createTestLab({ backends, measurements }));
    await lab.step();
    const m = lab.getSnapshot().measurement!;
    const fps = Object.fromEntries(m.timings.map((t) => [t.backend, t.framesPerSecond]));
    expect(m.timings.map((t) => t.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(fps.wasm).toBeGreaterThan(0);
    expect(fps.webgpu).toBeNull();
    expect(fps.webgl).toBeNull();
    expect(m.timings.find((t) => t.backend === 'webgpu')?.note).toBe('not offered in this test');
    // The CPU backend computes on the same processor as WASM, only slower: not measured once WASM was.
    expect(fps.cpu).toBeNull();
    expect(m.timings.find((t) => t.backend === 'cpu')?.note).toBe('not measured: WASM runs on the same processor, faster');
    expect(m.fastest).toBe('wasm');
    expect(lab.getSnapshot().backend?.backend).toBe('wasm');
    expect(m.cached).toBe(false);
    expect(m.probeMs).toBeGreaterThan(0);
    expect(describeMeasurement(m)).toMatch(/^WASM [\d,]+ frames\/s: WASM$/);
    expect(measurements.entries.get(m.key)).toEqual(m);
    // The run itself trains on it.
    expect(lab.runs.slots[0]!.learner.version).toBe(1);

    // A reload (a new lab over the same stored figures) does not measure again.
    await disposeLab(lab);
    ({ lab } = createTestLab({ backends, measurements }));
    await lab.step();
    expect(lab.getSnapshot().measurement).toEqual({ ...m, cached: true, probeMs: 0 });
    expect(lab.getSnapshot().backend?.backend).toBe(m.fastest);

    lab.measureAgain();
    expect(measurements.entries.size).toBe(0);
    expect(lab.getSnapshot().message?.text).toBe('Automatic will measure the backends again when you press Reset, then Train.');
    await lab.reset();
    await lab.step();
    expect(lab.getSnapshot().measurement?.cached).toBe(false);
    expect(lab.getSnapshot().measurement?.measuredAt).not.toBe(m.measuredAt);
  });

  it('picks the backend with the most frames/s among those measured', async () => {
    ({ lab } = createTestLab({ backends: testBackends({ webgpu: 'cpu', cpu: 'cpu' }) }));
    await lab.step();
    const m = lab.getSnapshot().measurement!;
    const fps = Object.fromEntries(m.timings.map((t) => [t.backend, t.framesPerSecond]));
    expect(fps.webgpu).toBeGreaterThan(0);
    expect(fps.cpu).toBeGreaterThan(0);
    expect(m.fastest).toBe(fps.webgpu! >= fps.cpu! ? 'webgpu' : 'cpu');
    expect(lab.getSnapshot().backend?.backend).toBe(m.fastest);
    expect(describeMeasurement(m)).toMatch(/^WebGPU [\d,]+ · CPU [\d,]+ frames\/s: (WebGPU|CPU)$/);
  });

  it('a GPU backend drawn by software (SwiftShader) is not measured once WASM was: it would compile for seconds to lose', async () => {
    ({ lab } = createTestLab({ backends: testBackends({ webgpu: 'cpu', wasm: 'wasm' }, { software: ['webgpu'] }) }));
    await lab.step();
    const m = lab.getSnapshot().measurement!;
    expect(m.timings.find((t) => t.backend === 'webgpu')).toEqual({ backend: 'webgpu', framesPerSecond: null, note: 'not measured: google · swiftshader draws on the processor, not a GPU (WASM runs there faster)' });
    expect(m.fastest).toBe('wasm');
  });

  it('a backend chosen by hand wins, and nothing is measured', async () => {
    const measurements = memoryMeasurements();
    ({ lab } = createTestLab({ backends: testBackends({ wasm: 'wasm', cpu: 'cpu' }), measurements }));
    lab.setBackendChoice('cpu');
    await lab.step();
    expect(lab.getSnapshot().backend?.backend).toBe('cpu');
    expect(lab.getSnapshot().measurement).toBeNull();
    expect(measurements.entries.size).toBe(0);
  });

  it('after a device loss the learner moves to the next-fastest measured backend, not the next in the fixed order', async () => {
    const backends = testBackends({ webgpu: 'wasm', wasm: 'wasm', cpu: 'cpu' });
    const measurements = memoryMeasurements();
    const made = createTestLab({ backends, measurements });
    lab = made.lab;
    const config = lab.getSnapshot().config;
    const key = measurementKey(learnerOptionsFor(config, envSpecFor(config)), config, 'test adapter');
    const stored: BackendMeasurement = {
      key,
      timings: [
        { backend: 'webgpu', framesPerSecond: 3000 },
        { backend: 'webgl', framesPerSecond: null, note: 'not offered' },
        { backend: 'wasm', framesPerSecond: 1000 },
        { backend: 'cpu', framesPerSecond: 2000 },
      ],
      fastest: 'webgpu',
      probeMs: 4000,
      cached: false,
      measuredAt: '2026-11-29T00:00:00.000Z',
    };
    measurements.set(stored);
    expect(fallbackOrder(stored, new Set(['webgpu']))).toEqual(['cpu', 'wasm', 'webgl']);
    await lab.train();
    expect(lab.getSnapshot().backend?.backend).toBe('webgpu');
    const slot = lab.runs.slots[0]!;
    const first = slot.learner;
    await waitFor(() => first.version >= 12, 'twelve updates');
    backends.loseDevice('a GPU reset (test)');
    await waitFor(() => slot.learner !== first && slot.learner.version > first.version, 'the replacement to update');
    expect(lab.getSnapshot().backend?.backend).toBe('cpu');
    expect(lab.getSnapshot().message?.text).toContain('It moved to CPU');
  });
});
