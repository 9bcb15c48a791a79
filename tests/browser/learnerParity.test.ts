import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser } from 'playwright-core';
import { launchChromium, watchPage } from './support/browser';
import type { KernelResult, ParityResult } from './pages/learnerParity';
import { SOFTWARE_ADAPTER_KERNELS } from '../../src/core/tf/webgpuTuning';

/**
 * The learner must compute the same update on every backend. WebGPU here is
 * SwiftShader, which keeps WebGPU's default limits (8 storage buffers per
 * shader stage): an `addN` over the gradients once made its global norm
 * garbage there, and the WebGPU learner did not learn while every other
 * backend did.
 */
/** The page's label for the WebGPU runs with the software-adapter kernels (SOFTWARE_LABEL there). */
const SOFTWARE_LABEL = 'webgpu, software-adapter kernels';

let server: ViteDevServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  server = await createServer({ logLevel: 'warn', server: { host: 'localhost', port: 0, strictPort: false } });
  await server.listen();
  url = `${server.resolvedUrls!.local[0]!}tests/browser/pages/learnerParity.html`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('learner updates on WebGPU and WebGL', () => {
  it('match the CPU backend: losses, gradient norms and weights after three updates', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page, new URL(url).origin);
    await page.goto(url);
    await page.waitForFunction(() => 'parityResults' in window, null, { timeout: 300_000 });
    const results = (await page.evaluate('window.parityResults')) as ParityResult[];
    const cpu = results.filter((r) => r.backend === 'cpu');
    expect(cpu).toHaveLength(4);
    const others = results.filter((r) => r.backend !== 'cpu');
    expect(others.map((r) => r.backend)).toContain('webgpu');
    expect(others.map((r) => r.backend)).toContain(SOFTWARE_LABEL);
    for (const r of others) {
      const reference = cpu.find((c) => c.case === r.case)!;
      const where = `${r.backend}, ${r.case}`;
      r.updates.forEach((u, i) => u.forEach((v, k) => expect(Math.abs(v - reference.updates[i]![k]!), `${where}, update ${i}, value ${k}`).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(reference.updates[i]![k]!)))));
      expect(r.weights.length, where).toBe(reference.weights.length);
      const worst = r.weights.reduce((m, w, i) => Math.max(m, Math.abs(w - reference.weights[i]!) / Math.max(1, Math.abs(reference.weights[i]!))), 0);
      expect(worst, where).toBeLessThanOrEqual(2e-3);
    }
    // The lab's own kernels for software adapters, op by op at shapes the learner cases miss.
    expect(await page.evaluate('window.softwareKernels')).toEqual([...SOFTWARE_ADAPTER_KERNELS]);
    const kernels = (await page.evaluate('window.kernelResults')) as KernelResult[];
    const cpuKernels = kernels.filter((k) => k.backend === 'cpu');
    const software = kernels.filter((k) => k.backend === SOFTWARE_LABEL);
    expect(software.length).toBeGreaterThan(0);
    expect(software.map((k) => k.case)).toEqual(cpuKernels.map((k) => k.case));
    for (const k of software) {
      const reference = cpuKernels.find((c) => c.case === k.case)!.values;
      expect(k.values.length, k.case).toBe(reference.length);
      // Sums of up to 4,096 products of values in [-1, 1], in float32 in another order.
      const worst = k.values.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i]!)), 0);
      expect(worst, k.case).toBeLessThanOrEqual(1e-3);
    }
    const [before, after] = (await page.evaluate('window.kernelDataIds')) as number[];
    expect(after, 'WebGPU buffers after the kernel cases').toBe(before);
    // The invalid-pipeline errors WebGPU printed before the fix are console errors.
    expect(problems.errors).toEqual([]);
    await page.close();
  }, 360_000);
});
