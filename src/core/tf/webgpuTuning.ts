import * as tf from '@tensorflow/tfjs';
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

/**
 * Matrix-product shaders for the adapter tf.js's WebGPU backend runs on.
 *
 * For products with few output tiles tf.js picks a shader that spreads the
 * work over more workgroups: a reduction across a workgroup of 256 threads
 * (outputs of at most 128 values: a value head's or an action head's weight
 * gradient) or small tiles. That suits a GPU. On a software adapter
 * (SwiftShader, llvmpipe), where each workgroup runs on the processor and
 * its barriers are costly, those shaders took most of the MLP's update: the
 * 64x2 weight gradient of CartPole's policy head, one small product, took
 * 46 ms of a 270 ms update, against a few ms as 32x32 tiles. So on a
 * software adapter every product uses the tiled program (the MLP's update:
 * 292 -> 124 ms in headless Chromium here; the MinAtar net's is dominated by
 * large products, which are tiled either way). A real GPU keeps tf.js's own
 * choice. The arithmetic is the same sum in another order; the browser
 * parity test checks both against the CPU backend.
 *
 * On a real GPU a convolution's filter gradient becomes one matrix product
 * over image patches (patchConvFilterGradient.ts), in place of tf.js's
 * kernel that walks each output's whole sum on one thread: on an NVIDIA
 * H200, 22.7 -> 1.4 ms of GPU time, and the MinAtar net's update 47 -> 21
 * ms. A software adapter keeps tf.js's kernel: there the product did not
 * make Breakout's update faster (by `tf.profile` the filter gradient took
 * 1.7 s with tf.js's kernel, 1.2-2.5 s as a product, depending on the
 * product's program; whole updates, alternated, 7.9 and 8.7 s against 8.4
 * and 10.0 s).
 *
 * Call after `tf.setBackend('webgpu')`; the flag is read at every product.
 */
export function tuneWebGpu(softwareAdapter: boolean): void {
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', softwareAdapter ? PACKED_MATMUL_PROGRAM : MATMUL_PROGRAM_BY_SHAPE);
  if (softwareAdapter) unregisterPatchConvFilterGradient('webgpu');
  else registerPatchConvFilterGradient('webgpu');
}
