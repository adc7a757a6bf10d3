/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Runs per hour as a tiny inline SVG line: no script, no library. */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? 120 / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(22 - (v / max) * 20).toFixed(1)}`).join(" ");
  return (
    <svg class="spark" viewBox="0 0 120 24" role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="#0b5cad" stroke-width="1.5" />
    </svg>
  );
}
