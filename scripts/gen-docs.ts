import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderSchemaDocs } from "./schema-docs.ts";

const target = resolve(import.meta.dirname, "../docs/flow-language.md");
writeFileSync(target, renderSchemaDocs());
console.log(`wrote ${target}`);
