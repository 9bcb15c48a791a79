/**
 * The learner's tf.js backends as the lab's parts see them: names, the
 * report of which one started, and what they need of a WebGPU device. No
 * imports, so that Node tests of the parts load no browser backend.
 */

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export const BACKEND_LABELS: Readonly<Record<BackendName, string>> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

export interface BackendReport {
  /** The backend the learner runs on. */
  backend: BackendName;
  /** The GPU adapter, when WebGPU runs (vendor, architecture, description as the browser reports them). */
  adapter: string | null;
  /** Backends tried before it, and why each was not used. */
  fallbacks: { backend: BackendName; reason: string }[];
  /** A GPU backend drawn by software on the processor (SwiftShader, llvmpipe): no GPU behind it. */
  software?: boolean;
}

/** What the page needs of a GPUDevice (the DOM typings here have no WebGPU). */
export interface GpuDeviceLike {
  readonly lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** Chooses tf.js backends for the learner: the browser's (selectBackend.ts) or a test's. */
export interface BackendProvider {
  /** Puts tf.js on the first backend that works from `choice` on, and says which it got and why it fell back. */
  select(choice: BackendChoice): Promise<BackendReport>;
  /** The GPU device under the active backend, when it runs on one (WebGPU), else null. */
  activeDevice(): GpuDeviceLike | null;
  /** `select` skips `name` from now on, giving `reason`. */
  markBroken(name: BackendName, reason: string): void;
  /** The GPU adapter's description (null without WebGPU), part of the key under which measurements are kept. */
  adapter(): Promise<string | null>;
}
