/**
 * WGSL pieces shared by the lab's WebGPU programs for software adapters
 * (blockedMatMul.ts, blockedConv2d.ts): each invocation keeps a
 * BLOCK_ROWS x BLOCK_COLS block of the output in registers (acc{i}{j}),
 * adds a{i} b{j} for each term of the inner sum, and writes the block,
 * masked at the output's edges. The block's top-left corner is (row, col).
 */

/** Output rows and columns each invocation computes (a register block). */
export const BLOCK_ROWS = 4;
export const BLOCK_COLS = 4;
const ROWS = Array.from({ length: BLOCK_ROWS }, (_, i) => i);
const COLS = Array.from({ length: BLOCK_COLS }, (_, j) => j);

/** The block's row or column offsets, 0, 1, ... */
export function blockIndices(axis: 'rows' | 'cols'): readonly number[] {
  return axis === 'rows' ? ROWS : COLS;
}

/** WGSL: the block's accumulators acc{i}{j}, at zero. */
export function blockAccumulators(): string {
  return ROWS.flatMap((i) => COLS.map((j) => `var acc${i}${j} = 0.0;`)).join('\n');
}

/** WGSL: one step of the inner sum, acc{i}{j} += a{i} b{j}, for values a{i} of the block's rows and b{j} of its columns. */
export function blockFma(): string {
  return ROWS.flatMap((i) => COLS.map((j) => `acc${i}${j} = fma(a${i}, b${j}, acc${i}${j});`)).join('\n');
}

/** WGSL: writes the block at (row, col) of the `rowsExpr` x `colsExpr` output starting at `base`, masked at the edges. */
export function blockWrite(base: string, rowsExpr: string, colsExpr: string): string {
  return ROWS
    .flatMap((i) => COLS.map((j) => `if (row + ${i} < ${rowsExpr} && col + ${j} < ${colsExpr}) { result[${base} + (row + ${i}) * ${colsExpr} + col + ${j}] = acc${i}${j}; }`))
    .join('\n');
}

/** WebGPU's guaranteed `maxComputeWorkgroupsPerDimension`. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;
/** Invocations per workgroup along the output's columns and ROWS. */
export const WORKGROUP: [number, number, number] = [8, 8, 1];
