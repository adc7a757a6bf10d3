import type { Project } from "../../../engine/config/load.ts";
import { allSteps } from "../../../engine/flow/step-walk.ts";
import { nearestName } from "../../../engine/near-name.ts";
import { ConfigError } from "../../../common/errors.ts";
import type { AsposConfig } from "./config.ts";
import { mergeEndpoints, type ObjectEndpoints } from "./endpoints.ts";

/**
 * Each send to an AsPos connection against the connection's endpoint table (the defaults with the
 * config's `endpoints:` over them): an object the table lacks, or an op it has no endpoint for,
 * passed validate, the fixture cases and doctor's sandbox check, and failed every run with an
 * INVALID_VALUE that named no line.
 */
export function unsupportedAsposSends(project: Project): ConfigError[] {
  const errors: ConfigError[] = [];
  const connections = project.config.connections;
  for (const flow of project.flows.values()) {
    for (const step of allSteps(flow.steps)) {
      if (step.kind !== "send") continue;
      const config = connections[step.connection];
      if (config?.type !== "aspos") continue;
      const table = mergeEndpoints((config as unknown as AsposConfig).endpoints);
      const endpoints = table[step.object];
      const target = `${step.connection}.${step.object}`;
      if (!endpoints) {
        const writable = Object.keys(table).filter((name) => writes(table[name]!).length > 0).sort();
        const near = nearestName(step.object, writable);
        errors.push(new ConfigError("UNKNOWN_OBJECT",
          `${step.connection} has no object ${step.object} to write${near ? `; did you mean ${step.connection}.${near}?` : ""} (writable: ${writable.join(", ")}; more under connections.${step.connection}.endpoints)`,
          step.position));
        continue;
      }
      const ops = writes(endpoints);
      if (ops.includes(step.op)) continue;
      errors.push(new ConfigError("INVALID_VALUE",
        ops.length
          ? `${target} takes ${ops.join(", ")}, not ${step.op} (its endpoint table has no ${step.op} endpoint; add one under connections.${step.connection}.endpoints.${step.object})`
          : `${target} is read-only: its endpoint table has no write endpoint (add one under connections.${step.connection}.endpoints.${step.object})`,
        step.position));
    }
  }
  return errors;
}

/** The ops a send may use on an object: its write endpoints, and upsert by match where it has insert, update and matchOn. */
function writes(endpoints: ObjectEndpoints): string[] {
  const ops = (["insert", "update", "upsert", "delete"] as const).filter((op) => endpoints[op]);
  if (!endpoints.upsert && endpoints.insert && endpoints.update && endpoints.matchOn?.length) ops.push("upsert");
  return ops.sort();
}
