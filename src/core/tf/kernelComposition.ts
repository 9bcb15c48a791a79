import * as tf from '@tensorflow/tfjs';

/**
 * Helpers for kernels written as compositions of a backend's other kernels
 * (a kernel cannot call tf ops: it runs inside the engine's own dispatch).
 */

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The attributes tf.js gives its convolution-gradient kernels. */
export interface ConvGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Runs `backendName`'s kernel `name` directly on `backend`. */
export function runKernel(backendName: string, name: string, inputs: tf.NamedTensorInfoMap | tf.TensorInfo[], attrs: tf.NamedAttrMap, backend: unknown): tf.TensorInfo {
  const kernel = tf.getKernel(name, backendName);
  if (!kernel) throw new Error(`${backendName} backend lacks ${name}`);
  return kernel.kernelFunc({ inputs, attrs, backend } as KernelArgs) as tf.TensorInfo;
}

/** Frees intermediate results made inside a kernel (a reshaped view only drops its reference). */
export function freeInfos(backend: unknown, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) (backend as tf.KernelBackend).disposeData(info.dataId);
}

/**
 * Checks what the composed convolution gradients support (NHWC, stride 1,
 * 'valid', 'same' or a number as padding) and returns the conv geometry.
 * `where` names the kernel and backend in the error.
 */
export function strideOneConvGeometry(where: string, xShape: number[], filterShape: number[], attrs: ConvGradAttrs): tf.backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs;
  if (dataFormat !== 'NHWC') throw new Error(`${where} supports NHWC only, got ${dataFormat}`);
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  // Our networks downsample by pooling; stride 1 keeps these kernels simple and checked.
  if (sh !== 1 || sw !== 1) throw new Error(`${where} supports stride 1 only, got [${sh}, ${sw}]`);
  if (typeof pad === 'object') throw new Error(`${where} does not support explicit padding`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    1,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * A filter gradient's input, zero-padded as the forward convolution padded
 * it (stride 1: `info` from `strideOneConvGeometry`), by `backendName`'s own
 * `PadV2`; null when the forward pass had no padding ('valid'), so the
 * caller uses `x` as it is and has nothing to free.
 */
export function padAsForward(backendName: string, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, backend: unknown): tf.TensorInfo | null {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { top, left } = info.padInfo;
  const bottom = OH + KH - 1 - H - top;
  const right = OW + KW - 1 - W - left;
  if (bottom < 0 || right < 0) throw new Error(`Conv2DBackpropFilter on ${backendName}: unsupported padding`);
  if (top + bottom + left + right === 0) return null;
  return runKernel(backendName, 'PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }, backend);
}

/** tf.js's own kernels that `replaceKernel` took out, by backend and kernel name. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * Marks `kernelFunc` as ours and registers it as `kernelName` on
 * `backendName` in place of what is there (kept for `restoreKernel`); does
 * nothing when ours is registered already (idempotent).
 */
export function replaceKernel(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc, mark: string): void {
  const existing = tf.getKernel(kernelName, backendName);
  if (existing && (existing.kernelFunc as unknown as Record<string, unknown>)[mark]) return;
  (kernelFunc as unknown as Record<string, unknown>)[mark] = true;
  if (existing) {
    originals.set(`${backendName}/${kernelName}`, existing);
    tf.unregisterKernel(kernelName, backendName);
  }
  tf.registerKernel({ kernelName, backendName, kernelFunc });
}

/**
 * Replaces `backendName`'s kernel `kernelName` by `wrap(original)`: ours for
 * the cases it covers, handing the rest to tf.js's `original`. Does nothing
 * when the backend lacks the kernel or ours is registered already
 * (idempotent); `restoreKernel` undoes it.
 */
export function wrapKernel(kernelName: string, backendName: string, wrap: (original: tf.KernelFunc) => tf.KernelFunc, mark: string): void {
  const existing = tf.getKernel(kernelName, backendName);
  if (!existing || (existing.kernelFunc as unknown as Record<string, unknown>)[mark]) return;
  replaceKernel(kernelName, backendName, wrap(existing.kernelFunc), mark);
}

/** Puts back the kernel `replaceKernel` replaced, if it replaced one; otherwise nothing. */
export function restoreKernel(kernelName: string, backendName: string): void {
  const original = originals.get(`${backendName}/${kernelName}`);
  if (!original) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(original);
  originals.delete(`${backendName}/${kernelName}`);
}
