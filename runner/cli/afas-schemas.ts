import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { KoppelError } from "../../common/errors.ts";
import { AfasHttp } from "../connectors/afas/http.ts";
import { readGetMetainfo, readMetainfo, readUpdateMetainfo } from "../connectors/afas/metainfo.ts";
import { command, parseCommand, usageError } from "./args.ts";
import { processIO, type CliIO } from "./io.ts";
import { getMetainfoToSchema, mergeProse, updateMetainfoToSchema, type GeneratedSchema } from "../connectors/afas/schemagen.ts";
import { applyOverlay } from "../connectors/afas/schema-overlay.ts";
import { diffJson, showValue } from "../../engine/flow/diff.ts";
import { BUILTIN_SCHEMAS } from "../project-host.ts";

/**
 * Descriptions and examples already in a file are kept, so a diff shows what changed in Profit (new
 * custom fields, lengths, mandatory flags).
 */
export const AFAS_SCHEMAS = command({
  name: "afas schemas",
  positionals: "[CONNECTOR…]",
  summary:
    "Regenerate schemas/afas/<UpdateConnector>.schema.json and schemas/afas/get/<GetConnector>.schema.json from an environment's metainfo, keeping the descriptions and examples already there and applying schemas/afas/overlay.json (what metainfo cannot say). Each schema is compared with the one in effect: the repository's own file, else the one Koppel ships. Only schemas that differ are written; a file written where the repository had none overrides the shipped schema from then on. Without CONNECTOR arguments every connector of the App connector is generated.",
  options: {
    out: { type: "string", value: "dir", help: "target folder (default schemas/afas)" },
    check: { type: "boolean", help: "write nothing; list each field that differs from the schema in effect (the repository's own, else the shipped one) and exit 1 when any does" },
    env: { type: "string", value: "O12345AA", help: "environment (default $AFAS_ENV)" },
    "base-url": { type: "string", value: "url", help: "instead of --env, e.g. the sandbox (default $AFAS_BASE_URL)" },
    "token-env": { type: "string", value: "name", help: "environment variable that holds the token (default AFAS_TOKEN)" },
    "client-env": { type: "string", value: "prefix", help: "OAuth instead of a token: <prefix>_CLIENT_ID and <prefix>_CLIENT_SECRET hold the client (default AFAS, used when AFAS_CLIENT_ID is set)" },
  },
});

const render = (schema: GeneratedSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

function readJson(file: string): unknown {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

function readObject(file: string): Record<string, unknown> {
  return (readJson(file) ?? {}) as Record<string, unknown>;
}

/** The AFAS schemas Koppel ships. */
const PACKAGED = join(BUILTIN_SCHEMAS, "afas");

export async function afasSchemasCommand(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const args = parseCommand(AFAS_SCHEMAS, argv, io);
  if (typeof args === "number") return args;
  const { positionals } = args;
  const values = { ...args.values, out: args.values.out ?? "schemas/afas", "token-env": args.values["token-env"] ?? "AFAS_TOKEN" };
  const token = process.env[values["token-env"]];
  const prefix = args.values["client-env"] ?? "AFAS";
  const clientId = process.env[`${prefix}_CLIENT_ID`];
  const clientSecret = process.env[`${prefix}_CLIENT_SECRET`];
  // OAuth when its client is given (or asked for), else the classic token.
  const oauth = args.values["client-env"] !== undefined || (clientId !== undefined && args.values["token-env"] === undefined);
  const auth = oauth ? (clientId && clientSecret ? { clientId, clientSecret } : undefined) : (token ? { token } : undefined);
  const environment = values.env ?? process.env.AFAS_ENV;
  const baseUrl = values["base-url"] ?? process.env.AFAS_BASE_URL;
  if (!auth || (!environment && !baseUrl)) {
    const credentials = oauth ? `${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET` : `${values["token-env"]} (or AFAS_CLIENT_ID and AFAS_CLIENT_SECRET for OAuth)`;
    return usageError(AFAS_SCHEMAS, io, `set ${credentials} and AFAS_ENV (or --env / --base-url)`);
  }

  try {
    const http = new AfasHttp("afas", {
      type: "afas", ...auth, ...(baseUrl ? { baseUrl } : {}), ...(environment ? { environment } : {}),
    });
    const listing = await readMetainfo(http);
    // Ids become file names: one that is not a plain name (`../x` from a wrong --base-url or a
    // hostile endpoint) is left out, with a line, rather than written outside the schema folder.
    const known = (list: readonly { id: string }[]) => list.map((c) => c.id).filter((id) => {
      if (/^[A-Za-z0-9_.-]+$/.test(id) && !id.startsWith(".")) return true;
      io.err(`${JSON.stringify(id)}: not a connector id Koppel writes a schema file for; left out`);
      return false;
    });
    const updateIds = known(listing.updateConnectors).filter((id) => positionals.length === 0 || positionals.includes(id));
    const getIds = known(listing.getConnectors).filter((id) => positionals.length === 0 || positionals.includes(id));
    const unknown = positionals.filter((id) => !updateIds.includes(id) && !getIds.includes(id));
    for (const id of unknown) io.err(`${id}: not in the App connector`);

    // A mapping repository starts without schemas/afas: the packaged overlay and prose count too
    // (its own entries win), or the first run wrote schemas weaker than the ones it then overrides.
    const overlay = { ...readObject(join(PACKAGED, "overlay.json")), ...readObject(join(values.out, "overlay.json")) };
    const jobs: { file: string; rel: string; make: () => Promise<GeneratedSchema> }[] = [
      ...updateIds.map((id) => ({ rel: `${id}.schema.json`, make: async () => updateMetainfoToSchema(await readUpdateMetainfo(http, id)) })),
      ...getIds.map((id) => ({ rel: `get/${id}.schema.json`, make: async () => getMetainfoToSchema(await readGetMetainfo(http, id)) })),
    ].map((job) => ({ ...job, file: join(values.out, job.rel) }));
    // What the repository uses now, per schema: its own file where it has one, else the one Koppel
    // ships (the engine resolves schemas the same way). --check compares against that, so a mapping
    // repository without schemas/afas is up to date when AFAS still matches the shipped schemas.
    const ownFolder = resolve(values.out) !== resolve(PACKAGED);
    let changed = 0;
    let overriding = 0;
    for (const job of jobs) {
      const own = readJson(job.file);
      const shipped = ownFolder && own === undefined ? readJson(join(PACKAGED, job.rel)) : undefined;
      const current = own ?? shipped;
      const next = mergeProse(applyOverlay(await job.make(), overlay[job.rel.replace(/\.schema\.json$/, "")]), current);
      // Field by field, not byte by byte: a file that differs only in layout is not out of date.
      const diffs = current === undefined ? undefined : diffJson(current, next);
      if (diffs?.length === 0) continue;
      changed += 1;
      // A new file in the repository takes the place of the shipped one from then on.
      const overrides = own === undefined && shipped !== undefined;
      if (overrides) overriding += 1;
      const verb = values.check ? (own === undefined ? "would create" : "would change") : own === undefined ? "created" : "updated";
      io.out(`${verb} ${job.file}${overrides ? ` (${values.check ? "would override" : "overrides"} the shipped ${job.rel})` : ""}`);
      // What Profit changed, field by field (a new custom field, a length, a mandatory flag).
      for (const d of diffs ?? []) io.out(`  ${d.path.replace(/^\./, "")}: ${showValue(d.expected)} → ${showValue(d.actual)}`);
      if (!values.check) {
        mkdirSync(join(job.file, ".."), { recursive: true });
        writeFileSync(job.file, render(next));
      }
    }
    io.out(`${jobs.length} schemas, ${changed} ${values.check ? "out of date" : "written"}`);
    if (overriding > 0 && !values.check) {
      const one = overriding === 1;
      io.out(`${overriding} new file${one ? " now overrides the schema" : "s now override the schemas"} Koppel ships: this repository uses ${one ? "it" : "them"} from now on, also after a Koppel update (delete ${one ? "it" : "a file"} to use the shipped one again)`);
    }
    return unknown.length > 0 || (values.check && changed > 0) ? 1 : 0;
  } catch (err) {
    io.err(err instanceof KoppelError ? err.format() : String(err));
    return 1;
  }
}
