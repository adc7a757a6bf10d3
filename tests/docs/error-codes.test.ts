import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../common/errors.ts";
import { renderErrorDocs } from "../../scripts/error-docs.ts";

describe("docs/error-codes.md", () => {
  it("matches common/errors.ts (run `npm run docs` after changing the table)", () => {
    const onDisk = readFileSync(resolve(import.meta.dirname, "../../docs/error-codes.md"), "utf8");
    expect(onDisk).toBe(renderErrorDocs());
  });

  it("lists every code of the table with who acts", () => {
    const doc = renderErrorDocs();
    const listed = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\w+):/gm)].map((m) => [m[1], m[2]]);
    expect(listed).toEqual(Object.entries(ERROR_CODES).map(([code, info]) => [code, info.actor === "koppel" ? "Koppel" : info.actor]));
  });
});
