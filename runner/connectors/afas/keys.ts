import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Exchange } from "../../../common/exchange.ts";
import { schemaKey } from "../../../engine/flow/record-key.ts";
import { BUILTIN_SCHEMAS } from "../../project-host.ts";
import { unlessAborted } from "../http/gate.ts";
import type { AfasHttp } from "./http.ts";
import { readGetMetainfo, readUpdateMetainfo, truthy } from "./metainfo.ts";

/** The `x-key` of the first `afas/<file>` found in the schema folders, searched in order like the engine's load. */
function schemaKeys(schemaDirs: readonly string[], file: string): string[] | undefined {
  for (const dir of schemaDirs) {
    const path = join(dir, "afas", file);
    if (existsSync(path)) return schemaKey(JSON.parse(readFileSync(path, "utf8")));
  }
  return undefined;
}

/**
 * Key fields per connector, from the schema's `x-key` in the project's schema folders (its own
 * `schemas/` first, then Koppel's). A connector without a schema falls back to metainfo:
 * primaryKey flags for an UpdateConnector, the first field for a GetConnector
 * (docs/afas-setup.md asks administrators to put the key first).
 */
export class KeyCatalog {
  private readonly cache = new Map<string, Promise<string[]>>();

  constructor(private readonly http: AfasHttp, private readonly schemaDirs: readonly string[] = [BUILTIN_SCHEMAS]) {}

  /** `signal` (CallHooks.signal): the caller stops waiting; the lookup goes on for the others. */
  getKeys(connector: string, log: Exchange[], signal?: AbortSignal): Promise<string[]> {
    return unlessAborted(this.once(`get:${connector}`, async () =>
      schemaKeys(this.schemaDirs, join("get", `${connector}.schema.json`)) ??
      (await readGetMetainfo(this.http, connector, log)).fields.slice(0, 1).map((f) => f.id)), signal);
  }

  updateKeys(connector: string, log: Exchange[], signal?: AbortSignal): Promise<string[]> {
    return unlessAborted(this.once(`update:${connector}`, async () =>
      schemaKeys(this.schemaDirs, `${connector}.schema.json`) ??
      (await readUpdateMetainfo(this.http, connector, log)).fields.filter((f) => truthy(f.primaryKey)).map((f) => f.fieldId)), signal);
  }

  private once(key: string, load: () => Promise<string[]>): Promise<string[]> {
    let hit = this.cache.get(key);
    if (!hit) {
      hit = load();
      // A failed lookup (AFAS down) must not stick.
      hit.catch(() => this.cache.delete(key));
      this.cache.set(key, hit);
    }
    return hit;
  }
}
