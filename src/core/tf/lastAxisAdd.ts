import * as tf from '@tensorflow/tfjs';
// Types only: importing the backend's module registers it, which its callers do when WebGPU is there.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { restoreKernel, wrapKernel, type KernelArgs } from './kernelComposition';

const MARK = 'impalaLabLastAxisAdd';
const WORKGROUP: [number, number, number] = [64, 1, 1];

/**
 * x + v for a vector v along x's last axis (a layer's bias: out[i] =
 * x[i] + v[i mod C]) as a WebGPU program for software adapters, four values
 * per invocation when C is a multiple of 4.
 *
 * Why: tf.js's broadcasting add turns every output index into coordinates
 * and back (integer divisions per value, which SwiftShader does lane by
 * lane). By `tf.profile` in headless Chromium here, the bias add of MinAtar
 * Breakout's convolution ([1344, 8, 8, 16] + [16]) took 614 ms of a 3.4 s
 * update.
 */
export function lastAxisAddProgram(size: number, channels: number): WebGPUProgram {
  const components = channels % 4 === 0 ? 4 : 1;
  const layout = { x: [0] };
  const outputShape = [size];
  return {
    outputShape,
    shaderKey: `impalaLabLastAxisAdd_${components}`,
    dispatchLayout: layout,
    // tf.js folds a dispatch over WebGPU's per-dimension limit into y and z; a flat program's index follows.
    dispatch: [Math.ceil(size / components / WORKGROUP[0]), 1, 1],
    variableNames: ['X', 'V'],
    variableComponents: [components, components],
    outputComponent: components,
    workgroupSize: WORKGROUP,
    size: true,
    uniforms: 'vectors : i32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          result[index] = X[index] + V[index % uniforms.vectors];
        }
      }`,
  };
}

function lastAxisAdd(original: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs): tf.TensorInfo => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    // x + v or v + x, float32, v a vector as long as x's last axis; anything else is tf.js's.
    const isVectorOf = (v: tf.TensorInfo, x: tf.TensorInfo): boolean =>
      v.shape.length === 1 && x.shape.length >= 2 && v.shape[0] === x.shape[x.shape.length - 1] && v.dtype === 'float32' && x.dtype === 'float32';
    const [x, v] = isVectorOf(b, a) ? [a, b] : isVectorOf(a, b) ? [b, a] : [null, null];
    if (!x || !v) return original(args) as tf.TensorInfo;
    const size = tf.util.sizeFromShape(x.shape);
    const channels = v.shape[0]!;
    const program = lastAxisAddProgram(size, channels);
    const backend = args.backend as WebGPUBackend;
    const out = backend.makeTensorInfo(x.shape, 'float32');
    const components = program.outputComponent ?? 1;
    return backend.runWebGPUProgram(program, [x, v], 'float32', [{ type: 'int32', data: [channels / components] }], out);
  };
}

/**
 * Replaces WebGPU's `Add` by the program above where one side is a vector
 * along the other's last axis, for software adapters; every other add is
 * tf.js's. Idempotent.
 */
export function registerLastAxisAdd(): void {
  wrapKernel('Add', 'webgpu', lastAxisAdd, MARK);
}

/** Puts tf.js's own WebGPU `Add` back. */
export function unregisterLastAxisAdd(): void {
  restoreKernel('Add', 'webgpu');
}
