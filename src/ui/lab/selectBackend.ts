import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import { prepareWasm } from '../../workers/workerBackend';
import { adapterName, isSoftwareRenderer, tuneWebGpu, type GpuAdapterInfoLike } from '../../core/tf/webgpuTuning';
import { BACKEND_ORDER, type BackendChoice, type BackendName, type BackendProvider, type BackendReport, type GpuDeviceLike } from './backendTypes';

export { BACKEND_LABELS, BACKEND_ORDER, type BackendChoice, type BackendName, type BackendReport, type GpuDeviceLike } from './backendTypes';

interface GpuLike {
  requestAdapter(): Promise<{ info?: GpuAdapterInfoLike; requestAdapterInfo?: () => Promise<GpuAdapterInfoLike> } | null>;
}

async function describeAdapter(): Promise<string | null> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return null;
  return adapterName(adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {});
}

/** The WebGL renderer under tf.js's WebGL backend (when it is active), as the browser names it. */
function webglRenderer(): string | null {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    return typeof renderer === 'string' ? renderer : null;
  } catch {
    return null;
  }
}

/** Backends that broke while the page was open (a lost WebGPU device), and why: not tried again until a reload. */
const brokenBackends = new Map<BackendName, string>();

/** Marks a backend as broken for the rest of the page's life: `selectBackend` skips it, giving `reason`. */
export function markBackendBroken(name: BackendName, reason: string): void {
  brokenBackends.set(name, reason);
}

/** The GPUDevice under tf.js's WebGPU backend when that is the active backend, else null. */
export function activeGpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GpuDeviceLike }).device ?? null;
}

async function whyNot(name: BackendName): Promise<string | null> {
  const broken = brokenBackends.get(name);
  if (broken) return broken;
  if (name === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
    if (!gpu) return window.isSecureContext ? 'this browser has no WebGPU (navigator.gpu)' : 'WebGPU needs a secure context (https or localhost)';
    if (!(await gpu.requestAdapter())) return 'no WebGPU adapter is available';
  }
  return null;
}

/**
 * Puts the learner on the first backend that works, in the order WebGPU,
 * WebGL, WASM, CPU (or only on `choice` and those after it when the user
 * overrides), and reports which it got and why it fell back.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
  const start = choice === 'auto' ? 0 : BACKEND_ORDER.indexOf(choice);
  const fallbacks: BackendReport['fallbacks'] = [];
  for (const name of BACKEND_ORDER.slice(start)) {
    const missing = await whyNot(name);
    if (missing) {
      fallbacks.push({ backend: name, reason: missing });
      continue;
    }
    try {
      if (name === 'wasm') prepareWasm();
      if (!(await tf.setBackend(name))) {
        fallbacks.push({ backend: name, reason: 'tf.js could not initialise it' });
        continue;
      }
      await tf.ready();
      const adapter = name === 'webgpu' ? await describeAdapter() : name === 'webgl' ? webglRenderer() : null;
      const software = adapter !== null && isSoftwareRenderer(adapter);
      if (name === 'webgpu') tuneWebGpu(software);
      return { backend: name, adapter, fallbacks, ...(software ? { software: true } : {}) };
    } catch (e) {
      fallbacks.push({ backend: name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new Error(`no tf.js backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}

/** The browser's backends, as the lab's parts take them. */
export const browserBackends: BackendProvider = { select: selectBackend, activeDevice: activeGpuDevice, markBroken: markBackendBroken, adapter: describeAdapter };
