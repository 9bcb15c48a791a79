/**
 * Measures how responsive the page is: animation frames per second (over
 * the last second) and long tasks (main-thread tasks over 50 ms, from the
 * Long Tasks API where the browser has it).
 */
export class FrameRateMeter {
  private frames: number[] = [];
  private handle = 0;
  private observer: PerformanceObserver | null = null;
  longTasks = 0;
  longestTaskMs = 0;

  start(): void {
    const tick = (t: number): void => {
      this.frames.push(t);
      while (this.frames.length > 0 && t - this.frames[0]! > 1000) this.frames.shift();
      this.handle = requestAnimationFrame(tick);
    };
    this.handle = requestAnimationFrame(tick);
    if (typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
      this.observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          this.longTasks++;
          this.longestTaskMs = Math.max(this.longestTaskMs, entry.duration);
        }
      });
      this.observer.observe({ type: 'longtask', buffered: false });
    }
  }

  /** Animation frames in the last second. */
  get fps(): number {
    return this.frames.length;
  }

  reset(): void {
    this.longTasks = 0;
    this.longestTaskMs = 0;
  }

  stop(): void {
    cancelAnimationFrame(this.handle);
    this.observer?.disconnect();
  }
}
