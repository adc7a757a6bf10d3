import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderErrorDocs } from "./error-docs.ts";
import { renderSchemaDocs } from "./schema-docs.ts";

for (const [file, text] of [["flow-language.md", renderSchemaDocs()], ["error-codes.md", renderErrorDocs()]] as const) {
  const target = resolve(import.meta.dirname, "../docs", file);
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
