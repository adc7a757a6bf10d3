import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderFlowTypes } from "./schema-types.ts";

const target = resolve(import.meta.dirname, "../engine/flow/flow-document.ts");
writeFileSync(target, renderFlowTypes());
console.log(`wrote ${target}`);
