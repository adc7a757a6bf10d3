import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderErrorDocs } from "./error-docs.ts";
import { renderSchemaDocs } from "./schema-reference.ts";
import { renderFlowTypes } from "./schema-types.ts";

const outputs = [
  ["docs/flow-language.md", renderSchemaDocs()],
  ["docs/error-codes.md", renderErrorDocs()],
  ["engine/flow/flow-document.ts", renderFlowTypes()],
] as const;
for (const [file, text] of outputs) {
  const target = resolve(import.meta.dirname, "..", file);
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
