/**
 * A recurrent agent's memory at one step: the LSTM's h_t (each unit in
 * (-1, 1), as o tanh(c)) as a strip of cells, blue for negative, orange for
 * positive, pale near zero. Watching it across steps shows what the agent
 * carries from one observation to the next. The numbers are in the label
 * (and each cell's title), so the picture is not the only way to read them.
 */
export function CoreStateStrip({ state }: { state: readonly number[] }) {
  const cell = 6;
  let min = Infinity;
  let max = -Infinity;
  for (const x of state) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const label = `LSTM state h: ${state.length} units, from ${min.toFixed(2)} to ${max.toFixed(2)}`;
  return (
    <svg
      className="core-strip"
      data-testid="core-state-strip"
      role="img"
      aria-label={label}
      width={state.length * cell}
      height={14}
      viewBox={`0 0 ${state.length * cell} 14`}
    >
      <title>{label}</title>
      {state.map((x, j) => (
        <rect key={j} x={j * cell} y={0} width={cell} height={14} fill={divergingColour(x)}>
          <title>{`unit ${j}: ${x.toFixed(3)}`}</title>
        </rect>
      ))}
    </svg>
  );
}

/** White at 0, blue towards -1, orange towards +1 (a colour-blind-safe pair), in HSL. */
export function divergingColour(x: number): string {
  const v = Math.max(-1, Math.min(1, Number.isFinite(x) ? x : 0));
  const hue = v < 0 ? 210 : 30;
  const lightness = 97 - 52 * Math.abs(v);
  return `hsl(${hue} 85% ${lightness.toFixed(0)}%)`;
}
