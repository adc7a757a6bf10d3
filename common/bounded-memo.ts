/**
 * `compute` remembered per key, for hot paths that see the same few keys over and over (payload
 * field names, caller addresses, request URLs). Senders choose the keys, so at most `limit` are
 * kept: past it the memory is dropped whole and fills again with what still comes.
 */
export function boundedMemo<V>(compute: (key: string) => V, limit: number): (key: string) => V {
  const known = new Map<string, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    if (known.size >= limit) known.clear();
    known.set(key, value);
    return value;
  };
}
