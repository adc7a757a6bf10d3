import { isSeq, parseDocument, stringify, type Document } from "yaml";

/** The names of the cases a test file holds. */
export function caseNames(existing: string): string[] {
  const cases = parseDocument(existing).get("cases", true);
  return isSeq(cases) ? cases.items.map((c) => String((c as { get?: (k: string) => unknown }).get?.("name") ?? "")) : [];
}

/**
 * The test file with one case added after its last one. The existing text stays byte for byte:
 * integrators review these files in pull requests, and a file written back from its parsed form
 * reflows every case (flow mappings joined onto one line, `[a]` as `[ a ]`). The new case is
 * indented like the others and set apart from them as they are from each other.
 */
export function appendCase(existing: string, testCase: Record<string, unknown>): string {
  const doc = parseDocument(existing);
  const cases = doc.get("cases", true);
  if (!isSeq(cases) || !cases.range) return rewritten(doc, testCase);
  const [start, end] = cases.range;
  if (cases.flow) {
    if (cases.items.length) return rewritten(doc, testCase);
    // `cases: []` gives way to a block list.
    const rest = existing.slice(end).replace(/^[ \t]*(\r?\n)?/, "");
    return `${existing.slice(0, start).replace(/[ \t]+$/, "")}\n${item(testCase, "  ")}${rest}`;
  }
  const items = cases.items as { range?: [number, number, number] | null }[];
  const ends = items.map((it) => lineEnd(existing, it.range?.[1] ?? end));
  let at = ends.at(-1) ?? lineEnd(existing, end);
  const dash = start - lineStart(existing, start);
  // Comments indented under the last case belong to it.
  for (let m = /^([ \t]*)#[^\n]*(\n|$)/.exec(existing.slice(at)); m && m[1]!.length > dash; m = /^([ \t]*)#[^\n]*(\n|$)/.exec(existing.slice(at))) at += m[0].length;
  const gap = items.length > 1 ? blankLines(existing.slice(ends.at(-2)!, lineStart(existing, items.at(-1)!.range?.[0] ?? at))) : 1;
  const added = `${at > 0 && existing[at - 1] !== "\n" ? "\n" : ""}${"\n".repeat(gap)}${item(testCase, " ".repeat(dash))}`;
  return `${existing.slice(0, at)}${existing.includes("\r\n") ? added.replace(/\n/g, "\r\n") : added}${existing.slice(at)}`;
}

/** Where nothing can be appended as text (a flow-style list with cases): the parsed file, written back. */
function rewritten(doc: Document, testCase: Record<string, unknown>): string {
  doc.addIn(["cases"], doc.createNode(testCase));
  return doc.toString({ lineWidth: 0 });
}

function item(testCase: Record<string, unknown>, indent: string): string {
  return stringify([testCase], { lineWidth: 0 })
    .split("\n")
    .map((line) => (line ? indent + line : line))
    .join("\n");
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The offset after the line `offset` is on (or `offset` itself when it starts a line). */
function lineEnd(text: string, offset: number): number {
  if (offset === 0 || text[offset - 1] === "\n") return offset;
  const next = text.indexOf("\n", offset);
  return next < 0 ? text.length : next + 1;
}

function blankLines(between: string): number {
  return between.split("\n").slice(0, -1).filter((line) => line.trim() === "").length;
}
