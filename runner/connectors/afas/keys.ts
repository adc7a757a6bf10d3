import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Exchange } from "../../../common/exchange.ts";
import { schemaKey } from "../../../engine/flow/record-key.ts";
import { BUILTIN_SCHEMAS } from "../../project-host.ts";
import { unlessAborted, type StopSignal } from "../http/gate.ts";
import type { AfasHttp } from "./http.ts";
import { readGetMetainfo, readUpdateMetainfo, truthy } from "./metainfo.ts";

/** Koppel's own schemas' `x-key`, for a connector made without a project (the CLI's AFAS tools). */
function builtinKeys(name: string): readonly string[] | undefined {
  const path = join(BUILTIN_SCHEMAS, `${name}.schema.json`);
  return existsSync(path) ? schemaKey(JSON.parse(readFileSync(path, "utf8"))) : undefined;
}

/**
 * Key fields per connector, from the schema's `x-key` in the project's schema folders (its own
 * `schemas/` first, then Koppel's). A connector without a schema falls back to metainfo:
 * primaryKey flags for an UpdateConnector, the first field for a GetConnector
 * (docs/afas-setup.md asks administrators to put the key first).
 */
export class KeyCatalog {
  private readonly cache = new Map<string, Promise<string[]>>();
  private readonly found = new Map<string, string[]>();

  /** `schemaKeys`: the project's, read at its load (Project.schemaKeys); absent, Koppel's own schemas. */
  constructor(private readonly http: AfasHttp, private readonly schemaKeys?: ReadonlyMap<string, readonly string[]>) {}

  private schemaKey(name: string): string[] | undefined {
    const key = this.schemaKeys ? this.schemaKeys.get(name) : builtinKeys(name);
    return key && [...key];
  }

  /** `signal` (CallHooks.signal): the caller stops waiting; the lookup goes on for the others. */
  getKeys(connector: string, log: Exchange[], signal?: StopSignal): Promise<string[]> {
    return this.once(`get:${connector}`, async () =>
      this.schemaKey(`afas/get/${connector}`) ??
      (await readGetMetainfo(this.http, connector, log)).fields.slice(0, 1).map((f) => f.id), signal);
  }

  updateKeys(connector: string, log: Exchange[], signal?: StopSignal): Promise<string[]> {
    return this.once(`update:${connector}`, async () =>
      this.schemaKey(`afas/${connector}`) ??
      (await readUpdateMetainfo(this.http, connector, log)).fields.filter((f) => truthy(f.primaryKey)).map((f) => f.fieldId), signal);
  }

  /**
   * A key found once is answered as it is: racing a settled lookup against the run's abort signal
   * cost a listener added and removed and three closures for every send (peers lat0 profile).
   */
  private once(key: string, load: () => Promise<string[]>, signal: StopSignal | undefined): Promise<string[]> {
    const found = this.found.get(key);
    // A run stopped meanwhile still stops here, before its call, as it did waiting on the lookup.
    if (found) return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(found);
    let hit = this.cache.get(key);
    if (!hit) {
      hit = load();
      // A failed lookup (AFAS down) must not stick.
      hit.then((keys) => this.found.set(key, keys), () => this.cache.delete(key));
      this.cache.set(key, hit);
    }
    return unlessAborted(hit, signal);
  }
}
