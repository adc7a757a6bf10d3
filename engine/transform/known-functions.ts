/**
 * The functions an expression may call by name: JSONata's own (jsonata 2.x binds these in its
 * static frame, plus `$now`, `$millis` and the base64 pair; tests/engine/transform checks the
 * list against the installed jsonata) and the ones Koppel binds for every evaluation.
 */
export const JSONATA_FUNCTIONS: ReadonlySet<string> = new Set([
  "sum", "count", "max", "min", "average", "string", "substring", "substringBefore", "substringAfter", "lowercase", "uppercase",
  "length", "trim", "pad", "match", "contains", "replace", "split", "join", "formatNumber", "formatBase", "formatInteger",
  "parseInteger", "number", "floor", "ceil", "round", "abs", "sqrt", "power", "random", "boolean", "not", "map", "zip",
  "filter", "single", "reduce", "sift", "keys", "lookup", "append", "exists", "spread", "merge", "reverse", "each", "error",
  "assert", "type", "sort", "shuffle", "distinct", "encodeUrlComponent", "encodeUrl", "decodeUrlComponent", "decodeUrl",
  "eval", "toMillis", "fromMillis", "clone", "base64encode", "base64decode", "now", "millis",
]);

/** Bound by expression.ts for every evaluation (bindingsFor), next to the values $input, $steps, $settings, $maps, $item, $index. */
export const KOPPEL_FUNCTIONS: ReadonlySet<string> = new Set(["mapValue", "localDate", "roundHalfUp", "now", "millis"]);
