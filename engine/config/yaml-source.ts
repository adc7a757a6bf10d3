import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Scalar } from "yaml";
import { ConfigError, type Position } from "../../common/errors.ts";

/** YAML syntax errors reported per file; later ones mostly follow from the first. */
const MAX_SYNTAX_ERRORS = 3;

export type JsonPath = readonly (string | number)[];

/**
 * A parsed YAML file that still knows where every value came from, so any later check (schema,
 * lint, a JSONata syntax error, a run-time failure) can point at the exact line and column.
 */
export interface YamlSource {
  /** The name shown in messages (usually relative to the working directory). */
  readonly file: string;
  /** Where the file really is, for resolving paths written inside it. */
  readonly path: string;
  readonly text: string;
  readonly value: unknown;
  /** Position of the value at `path`, or of the nearest ancestor that exists. */
  positionOf(path: JsonPath): Position;
  /** Position of the key at the end of `path` (for "unknown key" errors); falls back to the value. */
  keyPositionOf(path: JsonPath): Position;
  /** Position of character `offset` inside the scalar string at `path` (JSONata errors). */
  positionInScalar(path: JsonPath, offset: number): Position;
}

const MAX_ALIAS_COUNT = 100;

function firstAlias(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Keys are names. YAML reads a plain `030:` as the number 30, so a map keyed by store, warehouse or
 * ledger codes (`030: "02"`) would answer to "30" and never to the "030" the data holds. Such keys
 * keep the digits as written; other numbers are left alone (`21:` is "21" either way).
 */
function keepCodeKeys(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (isCodeKey(pair.key)) pair.key.value = pair.key.source;
    },
  });
}

function isCodeKey(key: unknown): key is Scalar & { source: string } {
  return isScalar(key) && typeof key.value === "number" && typeof key.source === "string" && /^[-+]?0\d+$/.test(key.source);
}

/** Keys as the loaded map will hold them: `030` and `30` are two keys, not a duplicate. */
function sameKey(a: unknown, b: unknown): boolean {
  const text = (key: unknown) => (isCodeKey(key) ? key.source : isScalar(key) ? key.value : key);
  return text(a) === text(b);
}

export function parseYaml(file: string, text: string, path = file): { source?: YamlSource; errors: ConfigError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: sameKey });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    // The parser goes on after the first error and reports what follows from it (one unclosed `[`
    // gave 35 lines); the first few place the mistake, the rest is counted.
    const shown = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => syntaxError(e.message.split("\n")[0] ?? e.message, e.pos[0], text, at));
    const more = doc.errors.length - shown.length;
    if (more > 0) {
      const last = shown[shown.length - 1]!;
      shown[shown.length - 1] = new ConfigError("YAML_SYNTAX", `${last.message} (and ${more} more syntax error(s) after it, most likely caused by the ones above)`, last.position);
    }
    return { errors: shown };
  }
  keepCodeKeys(doc);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml refuses to expand an alias bomb (nested anchors that grow exponentially) with a ReferenceError.
    if (!(e instanceof ReferenceError)) throw e;
    return { errors: [new ConfigError("YAML_ALIASES", `aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies; write the values out`, at(firstAlias(doc)))] };
  }
  return { source: makeSource(file, path, text, doc, at, value), errors: [] };
}

function makeSource(
  file: string,
  path: string,
  text: string,
  doc: Document,
  at: (offset: number) => Position,
  value: unknown,
): YamlSource {
  const fallback: Position = { file, line: 1, col: 1 };

  const walk = (jsonPath: JsonPath): { node: Node | null; keyNode: Node | null } => {
    let node: unknown = doc.contents;
    let keyNode: Node | null = null;
    for (const segment of jsonPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return { node: node as Node, keyNode: null };
        keyNode = pair.key as Node;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment];
        if (!item) return { node: node as Node, keyNode: null };
        keyNode = null;
        node = item;
      } else {
        return { node: (node as Node) ?? null, keyNode: null };
      }
    }
    return { node: (node as Node) ?? null, keyNode };
  };

  const startOf = (node: Node | null): Position => (node?.range ? at(node.range[0]) : fallback);

  return {
    file,
    path,
    text,
    value,
    positionOf: (path) => startOf(walk(path).node),
    keyPositionOf: (path) => {
      const { node, keyNode } = walk(path);
      return startOf(keyNode ?? node);
    },
    positionInScalar: (path, offset) => {
      const { node } = walk(path);
      if (!node || !isScalar(node) || !node.range) return startOf(node);
      const start = node.range[0];
      // Quoted and block scalars start with a marker before the content; plain ones do not.
      const style = node.type;
      const lead = style === "QUOTE_DOUBLE" || style === "QUOTE_SINGLE" ? 1 : 0;
      if (style === "BLOCK_LITERAL" || style === "BLOCK_FOLDED") {
        const sources = blockScalarSources(text, start, node.range[1], style === "BLOCK_FOLDED");
        return at(sources[Math.min(offset, sources.length - 1)] ?? start);
      }
      const sources = flowScalarSources(text, start + lead, node.range[1] - lead, style);
      return at(sources[Math.min(offset, sources.length - 1)] ?? start + lead + offset);
    },
  };
}

/**
 * For each character of a plain or quoted scalar's value, where it sits in the text (one more entry
 * for the end). A value that spans lines is folded (a line break and the indentation around it
 * read as one space, an empty line as a line break) and a double-quoted one has escapes (`\u00e9`
 * is one character), so an offset into the value is not an offset into the text: an expression
 * error on its second line was reported on the first.
 */
function flowScalarSources(text: string, from: number, to: number, style: unknown): number[] {
  const sources: number[] = [];
  const blank = (c: string | undefined) => c === " " || c === "\t";
  let i = from;
  while (i < to) {
    const c = text[i];
    if (style === "QUOTE_DOUBLE" && c === "\\") {
      const next = text[i + 1];
      if (next === "\n" || next === "\r") {
        // An escaped line break joins the lines without a space.
        i += next === "\r" && text[i + 2] === "\n" ? 3 : 2;
        while (blank(text[i])) i++;
        continue;
      }
      sources.push(i);
      // A code point past U+FFFF is two UTF-16 units of the value, as an unescaped one is in the text.
      if (next === "U" && Number.parseInt(text.slice(i + 2, i + 10), 16) > 0xffff) sources.push(i);
      i += next === "x" ? 4 : next === "u" ? 6 : next === "U" ? 10 : 2;
      continue;
    }
    if (style === "QUOTE_SINGLE" && c === "'" && text[i + 1] === "'") {
      sources.push(i);
      i += 2;
      continue;
    }
    if (c === "\n" || c === "\r") {
      while (sources.length && blank(text[sources[sources.length - 1]!])) sources.pop();
      let breaks = 0;
      const at = i;
      while (i < to && (blank(text[i]) || text[i] === "\n" || text[i] === "\r")) if (text[i++] === "\n") breaks++;
      for (let n = 0; n < Math.max(1, breaks - 1); n++) sources.push(at);
      continue;
    }
    sources.push(i++);
  }
  sources.push(to);
  return sources;
}

/**
 * For each character of a block scalar's value (`|`, `>`), where it sits in the text (one more entry
 * for the end). The content begins on the line after the indicator, indented as its first line
 * that is not blank; a blank line is a line break of the value, a line's `\r` is not part of it,
 * and in a folded scalar a single line break between two lines of text reads as one space (kept
 * as a break next to a blank or more-indented line). A break maps to the end of the line before.
 */
function blockScalarSources(text: string, start: number, end: number, folded: boolean): number[] {
  const lines: { from: number; to: number }[] = [];
  for (let i = text.indexOf("\n", start) + 1; i > 0 && i < end; ) {
    const next = text.indexOf("\n", i);
    const stop = next === -1 || next > end ? end : next;
    lines.push({ from: i, to: stop > i && text[stop - 1] === "\r" ? stop - 1 : stop });
    i = stop + 1;
  }
  const isBlank = (l: { from: number; to: number }) => /^[ \t]*$/.test(text.slice(l.from, l.to));
  const first = lines.find((l) => !isBlank(l));
  if (!first) return [start];
  let indent = 0;
  while (text[first.from + indent] === " ") indent++;
  const sources: number[] = [];
  let previous: "none" | "text" | "spaced" = "none";
  let previousEnd = start;
  let blanks = 0;
  for (const line of lines) {
    if (isBlank(line)) {
      blanks++;
      continue;
    }
    const from = line.from + indent;
    const spaced = folded && (text[from] === " " || text[from] === "\t");
    // Leading blank lines are breaks as they are; between lines of folded text one break is a space.
    const breaks = previous === "none" ? blanks : folded && previous === "text" && !spaced ? Math.max(blanks, 1) : blanks + 1;
    for (let n = 0; n < breaks; n++) sources.push(previousEnd);
    for (let c = from; c < line.to; c++) sources.push(c);
    previous = spaced ? "spaced" : "text";
    previousEnd = line.to;
    blanks = 0;
  }
  sources.push(previousEnd);
  return sources;
}

/**
 * yaml notices an unclosed `{` or `[` only where the next key starts, a line or more below it, and
 * says so there; the mistake is the bracket, so that is where the error points.
 */
function syntaxError(message: string, offset: number, text: string, at: (offset: number) => Position): ConfigError {
  const unclosed = /^Flow (map|sequence) in block collection/.exec(message);
  const open = unclosed ? unmatchedBefore(text, offset, unclosed[1] === "map" ? "{" : "[", unclosed[1] === "map" ? "}" : "]") : -1;
  if (open < 0) return new ConfigError("YAML_SYNTAX", message, at(offset));
  return new ConfigError("YAML_SYNTAX", `${message.replace(/ at line \d+, column \d+:?$/, "")}: this ${text[open]} is not closed`, at(open));
}

/** The nearest `opener` before `offset` that no `closer` after it closes (quotes are not read: a guess, checked by the caller's message). */
function unmatchedBefore(text: string, offset: number, opener: string, closer: string): number {
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    if (text[i] === closer) depth++;
    else if (text[i] === opener && depth-- === 0) return i;
  }
  return -1;
}
