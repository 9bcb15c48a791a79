import type { Page } from 'playwright-core';

/**
 * Probes that run inside the page (the callbacks passed to `$eval` and
 * `evaluate` are typed with the DOM), apart from `browser.ts`, which is
 * Node-only and which the benchmarks share.
 */

/** Counts the distinct colours of a canvas, sampled on a grid (a blank canvas has one). */
export async function canvasColourCount(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 7) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return colours.size;
  });
}
