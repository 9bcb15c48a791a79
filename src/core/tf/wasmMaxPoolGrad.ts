import * as tf from '@tensorflow/tfjs';

/** The parts of tf.js's WASM backend this kernel uses (the class is not exported as a type we can import here). */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

/**
 * The WASM backend's `MaxPoolGrad` (tf.js 4.22) routes gradients to the
 * wrong cells on inputs such as 10x10 (tests/unit/wasmKernels.test.ts shows
 * it against a hand-written reference), which would silently corrupt the
 * residual network's training. This replaces it on `wasm` with a direct
 * implementation of the definition: each output cell's upstream gradient
 * goes to the first maximal input of its window (row-major order, as the
 * CPU backend chooses). NHWC, no dilation. Idempotent.
 */
export function registerWasmMaxPoolGrad(): void {
  const existing = tf.getKernel('MaxPoolGrad', 'wasm');
  if (existing && (existing.kernelFunc as { impalaLab?: boolean }).impalaLab) return;
  if (existing) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  const kernelFunc = ({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }) => {
    const wasm = backend as WasmBackendLike;
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const x = wasm.readSync(input.dataId);
    const g = wasm.readSync(dy.dataId);
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    const { filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dx = new Float32Array(B * H * W * C);
    for (let b = 0; b < B; b++) {
      for (let oy = 0; oy < OH; oy++) {
        const y0 = oy * SH - top;
        for (let ox = 0; ox < OW; ox++) {
          const x0 = ox * SW - left;
          for (let c = 0; c < C; c++) {
            let best = -Infinity;
            let bestIndex = -1;
            for (let fy = 0; fy < FH; fy++) {
              const y = y0 + fy;
              if (y < 0 || y >= H) continue;
              for (let fx = 0; fx < FW; fx++) {
                const xx = x0 + fx;
                if (xx < 0 || xx >= W) continue;
                const i = ((b * H + y) * W + xx) * C + c;
                if (x[i]! > best || bestIndex < 0) {
                  best = x[i]!;
                  bestIndex = i;
                }
              }
            }
            if (bestIndex >= 0) dx[bestIndex] = dx[bestIndex]! + g[((b * OH + oy) * OW + ox) * C + c]!;
          }
        }
      }
    }
    return wasm.makeOutput(input.shape, 'float32', undefined, dx);
  };
  (kernelFunc as { impalaLab?: boolean }).impalaLab = true;
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
}
