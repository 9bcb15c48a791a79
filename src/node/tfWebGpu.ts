import * as tf from '@tensorflow/tfjs';
import { unregisterPatchConvFilterGradient } from '../core/tf/patchConvFilterGradient';
import { adapterName, isSoftwareRenderer, tuneWebGpu, type GpuAdapterInfoLike } from '../core/tf/webgpuTuning';

/**
 * tf.js's WebGPU backend in Node, for benchmarks on a real GPU without a
 * browser: Dawn's Node bindings (the npm package `webgpu`, Chromium's own
 * WebGPU implementation built as a Node addon, prebuilt for Linux, macOS
 * and Windows) provide `navigator.gpu`, and the same
 * `@tensorflow/tfjs-backend-webgpu` the lab uses runs on it.
 *
 * `webgpu` is not a dependency of the lab (its addon is some 20 MB per
 * platform and only benchmarks need it); `npm install --no-save webgpu`
 * brings it in.
 */

/** What the `webgpu` package exports: `create(flags)` gives a `GPU`; `globals` are the GPU* classes and enums. */
interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

export const DAWN_INSTALL_HINT = 'npm install --no-save webgpu';

/** The GPU adapter in use, as its `GPUAdapterInfo` describes it. */
export interface NodeWebGpu {
  backend: string;
  adapter: string;
}

/**
 * Installs Dawn as `navigator.gpu`, then selects tf.js's WebGPU backend.
 * `dawnFlags` are Dawn's own (for example `backend=vulkan`). The backend
 * is tuned for the adapter as the lab tunes it (webgpuTuning.ts); on a GPU
 * that makes a convolution's filter gradient our patch product, unless
 * `tfjsKernels` asks for tf.js's own, for comparison. Throws with a message that says what to do when the
 * package or a GPU adapter is missing.
 */
export async function useNodeWebGpuBackend(dawnFlags: string[] = [], { tfjsKernels = false }: { tfjsKernels?: boolean } = {}): Promise<NodeWebGpu> {
  let dawn: DawnModule;
  try {
    // A variable specifier: the package is optional, so neither tsc nor a bundler should resolve it ahead of time.
    const specifier = 'webgpu';
    dawn = (await import(specifier)) as DawnModule;
  } catch (error) {
    throw new Error(`WebGPU in Node needs Dawn's Node bindings, which are not installed: run \`${DAWN_INSTALL_HINT}\` and try again (${String(error)})`, { cause: error });
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(dawnFlags);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });

  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (it needs a Vulkan, Metal or Direct3D 12 driver for a GPU)');
  // `GPUAdapter.info` is newer than the WebGPU types tf.js brings; Dawn has it.
  const described = adapterName((adapter as GPUAdapter & { info?: GpuAdapterInfoLike }).info ?? {});

  // Imported only now: the backend registers itself only where `navigator.gpu` exists when it loads.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error(`tf.js's WebGPU backend failed to start on ${described}`);
  await tf.ready();
  // Set up as the lab sets it up in the page (selectBackend.ts).
  tuneWebGpu(isSoftwareRenderer(described));
  if (tfjsKernels) unregisterPatchConvFilterGradient('webgpu');
  return { backend: tf.getBackend(), adapter: described };
}
