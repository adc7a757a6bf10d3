import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderFlowsDoc, uncoveredRows } from "./flows-doc.ts";

const target = resolve(import.meta.dirname, "../docs/flows.md");
writeFileSync(target, renderFlowsDoc());
console.log(`wrote ${target}`);
const missing = uncoveredRows();
if (missing.length) console.warn(`feature rows without a case: ${missing.map((r) => r.tag).join(", ")}`);
