import * as tf from '@tensorflow/tfjs';
import { registerBlockedConv2d, unregisterBlockedConv2d } from './blockedConv2d';
import { registerBlockedMatMul, unregisterBlockedMatMul } from './blockedMatMul';
import { registerLastAxisAdd, unregisterLastAxisAdd } from './lastAxisAdd';
import { registerPatchConvFilterGradient, unregisterPatchConvFilterGradient } from './patchConvFilterGradient';

/**
 * How the lab sets up tf.js's WebGPU backend for the adapter it runs on, in
 * the page and in Node alike (the backend module is imported by the caller:
 * in Node only once Dawn provides `navigator.gpu`).
 */

/** What a `GPUAdapter` says of itself (`adapter.info`, or the older `requestAdapterInfo()`). */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
}

/** An adapter's name for people: its vendor, architecture, device and description, each once. */
export function adapterName(info: GpuAdapterInfoLike): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? [...new Set(parts)].join(' · ') : 'unnamed adapter';
}

/** Adapters and renderers that draw on the processor, not a GPU (Chromium's SwiftShader, Mesa's llvmpipe). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** Whether a WebGPU adapter or WebGL renderer, by its name, draws on the processor. */
export function isSoftwareRenderer(name: string): boolean {
  return SOFTWARE_RENDERER.test(name);
}

/** tfjs-backend-webgpu's `MatMulProgramType.MatMulPackedProgram` (4.22): 32x32 output tiles, no workgroup-wide reduction. */
const PACKED_MATMUL_PROGRAM = 3;
/** The flag's default: tf.js chooses a program per shape. */
const MATMUL_PROGRAM_BY_SHAPE = -1;

/** The kernels a software adapter gets from the lab instead of tf.js (see `tuneWebGpu`). */
export const SOFTWARE_ADAPTER_KERNELS = ['BatchMatMul', 'Conv2D', 'Add'] as const;

/**
 * Kernels for the adapter tf.js's WebGPU backend runs on.
 *
 * On a software adapter (SwiftShader, llvmpipe) each workgroup runs on the
 * processor, where workgroup memory is a copy to no purpose and a barrier
 * suspends and resumes every invocation. tf.js's shaders suit a GPU, so
 * there the lab registers its own for what dominated the update by
 * `tf.profile` (headless Chromium here, MinAtar Breakout at B = 4, T = 20,
 * 16 environments): matrix products and the convolution as register blocks
 * without barriers (blockedMatMul.ts, blockedConv2d.ts), and the bias add
 * without per-value index arithmetic (lastAxisAdd.ts). Timed whole in the
 * page, Breakout's update went from 6.3-7.9 s to 2.6-2.9 s and the MLP's from
 * 135-198 to 79-132 ms; `npm run build && npm run bench -- browser
 * --backends webgpu --seconds 30 --no-solve`, old and new alternated:
 * Breakout 193 and 161 -> 440 and 438 frames/s, CartPole 556 and 581 ->
 * 885 and 897. What those kernels do not cover (other layouts, strides,
 * dtypes, broadcasts) goes to tf.js's; for its products, tf.js's tiled
 * program (its choice for products with few outputs, a reduction across a
 * workgroup, took 46 ms of CartPole's 270 ms update).
 *
 * On a real GPU tf.js's kernels stay, but a convolution's filter gradient
 * becomes one matrix product over image patches (patchConvFilterGradient.ts),
 * in place of tf.js's kernel that walks each output's whole sum on one
 * thread: on an NVIDIA H200, 22.7 -> 1.4 ms of GPU time, and the MinAtar
 * net's update 47 -> 21 ms. A software adapter keeps tf.js's filter
 * gradient: there the product was not measurably faster.
 *
 * The browser parity test checks both setups against the CPU backend. Call
 * after `tf.setBackend('webgpu')`; returns the kernels replaced.
 */
export function tuneWebGpu(softwareAdapter: boolean): readonly string[] {
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', softwareAdapter ? PACKED_MATMUL_PROGRAM : MATMUL_PROGRAM_BY_SHAPE);
  if (softwareAdapter) {
    unregisterPatchConvFilterGradient('webgpu');
    registerBlockedMatMul();
    registerBlockedConv2d();
    registerLastAxisAdd();
    return [...SOFTWARE_ADAPTER_KERNELS];
  }
  unregisterBlockedMatMul();
  unregisterBlockedConv2d();
  unregisterLastAxisAdd();
  registerPatchConvFilterGradient('webgpu');
  return ['Conv2DBackpropFilter'];
}
