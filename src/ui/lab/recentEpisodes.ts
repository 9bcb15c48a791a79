/** TEMPORARY shim until the telemetry window lands. */
export class RecentEpisodes {
  returns: number[] = [];
  lengths: number[] = [];
  add(returns: readonly number[], lengths: readonly number[]): void {
    this.returns.push(...returns);
    this.lengths.push(...lengths);
    const excess = this.returns.length - 100;
    if (excess > 0) {
      this.returns.splice(0, excess);
      this.lengths.splice(0, excess);
    }
  }
}
