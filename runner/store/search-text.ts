/**
 * Stands for a space inside one search-text term: the search text parts its terms with spaces, and
 * a run key may hold some (`order W2026-1`). The runs search reads it as a space (sql/runs.ts).
 */
export const KEY_SPACE = "\u00a0";
