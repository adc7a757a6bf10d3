/** Longest gap between ticks of a 1 ms interval, from now until the returned function is called: how long the loop could answer nothing. */
export function stallMeter(): () => number {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
  }, 1);
  return () => {
    clearInterval(timer);
    return Math.max(longest, performance.now() - last);
  };
}
