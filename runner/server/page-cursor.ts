/**
 * `before=<createdAt>:<id>`, the keyset position of a list page. The time has at most 15 digits:
 * epoch milliseconds have 13, and a longer number passed SQLite but made PostgreSQL's BIGINT
 * comparison fail with a 500.
 */
export function pageCursor(text: string): { readonly createdAt: number; readonly id: string } | undefined {
  const m = /^(\d{1,15}):(.+)$/.exec(text);
  return m ? { createdAt: Number(m[1]), id: m[2]! } : undefined;
}
