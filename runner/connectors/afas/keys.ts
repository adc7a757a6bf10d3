import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Exchange } from "../../../engine/flow/port.ts";
import type { AfasHttp } from "./http.ts";
import { readGetMetainfo, readUpdateMetainfo, truthy } from "./metainfo.ts";
import { packagePath } from "../../package-root.ts";

export const DEFAULT_SCHEMA_DIR = packagePath("schemas", "afas");

interface KeyedSchema {
  "x-key"?: string[];
}

function schemaKeys(file: string): string[] | undefined {
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as KeyedSchema)["x-key"];
}

/**
 * Key fields per connector, from the schema's `x-key`. A connector Koppel ships no schema for falls
 * back to metainfo: primaryKey flags for an UpdateConnector, the first field for a GetConnector
 * (docs/afas-setup.md asks administrators to put the key first).
 */
export class KeyCatalog {
  private readonly cache = new Map<string, Promise<string[]>>();

  constructor(private readonly http: AfasHttp, private readonly schemaDir = DEFAULT_SCHEMA_DIR) {}

  getKeys(connector: string, log: Exchange[]): Promise<string[]> {
    return this.once(`get:${connector}`, async () =>
      schemaKeys(join(this.schemaDir, "get", `${connector}.schema.json`)) ??
      (await readGetMetainfo(this.http, connector, log)).fields.slice(0, 1).map((f) => f.id));
  }

  updateKeys(connector: string, log: Exchange[]): Promise<string[]> {
    return this.once(`update:${connector}`, async () =>
      schemaKeys(join(this.schemaDir, `${connector}.schema.json`)) ??
      (await readUpdateMetainfo(this.http, connector, log)).fields.filter((f) => truthy(f.primaryKey)).map((f) => f.fieldId));
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
