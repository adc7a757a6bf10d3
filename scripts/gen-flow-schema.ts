import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderFlowSchema } from "./flow-schema-targets.ts";

const target = resolve(import.meta.dirname, "../schemas/flow.schema.json");
writeFileSync(target, renderFlowSchema());
console.log(`wrote ${target}`);
