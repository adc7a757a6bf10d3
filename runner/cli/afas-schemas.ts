import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KoppelError } from "../../engine/errors.ts";
import { AfasHttp } from "../connectors/afas/http.ts";
import { readGetMetainfo, readMetainfo, readUpdateMetainfo } from "../connectors/afas/metainfo.ts";
import { getMetainfoToSchema, mergeProse, updateMetainfoToSchema, type GeneratedSchema } from "../connectors/afas/schemagen.ts";

const USAGE = `usage: koppel afas schemas [CONNECTOR...] [--out DIR] [--check] [--env O12345AA | --base-url URL] [--token-env NAME]

Regenerates schemas/afas/<UpdateConnector>.schema.json and schemas/afas/get/<GetConnector>.schema.json
from an environment's metainfo. Descriptions and examples already in a file are kept, so a diff shows
what changed in Profit (new custom fields, lengths, mandatory flags). Without CONNECTOR arguments every
connector of the App connector is generated.

  --out DIR        target folder (default schemas/afas)
  --check          write nothing; exit 1 when a file would change
  --env ID         environment (default $AFAS_ENV)
  --base-url URL   instead of --env, e.g. the sandbox (default $AFAS_BASE_URL)
  --token-env NAME environment variable that holds the token (default AFAS_TOKEN)
`;

const render = (schema: GeneratedSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

function readJson(file: string): unknown {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

export async function afasSchemasCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        out: { type: "string", default: "schemas/afas" },
        check: { type: "boolean", default: false },
        env: { type: "string" },
        "base-url": { type: "string" },
        "token-env": { type: "string", default: "AFAS_TOKEN" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const token = process.env[values["token-env"]];
  const environment = values.env ?? process.env.AFAS_ENV;
  const baseUrl = values["base-url"] ?? process.env.AFAS_BASE_URL;
  if (!token || (!environment && !baseUrl)) {
    process.stderr.write(`set ${values["token-env"]} and AFAS_ENV (or --env / --base-url)\n${USAGE}`);
    return 2;
  }

  try {
    const http = new AfasHttp("afas", {
      type: "afas", token, ...(baseUrl ? { baseUrl } : {}), ...(environment ? { environment } : {}),
    });
    const listing = await readMetainfo(http);
    const known = (list: readonly { id: string }[]) => list.map((c) => c.id);
    const updateIds = known(listing.updateConnectors).filter((id) => positionals.length === 0 || positionals.includes(id));
    const getIds = known(listing.getConnectors).filter((id) => positionals.length === 0 || positionals.includes(id));
    const unknown = positionals.filter((id) => !updateIds.includes(id) && !getIds.includes(id));
    for (const id of unknown) process.stderr.write(`${id}: not in the App connector\n`);

    const jobs: { file: string; make: () => Promise<GeneratedSchema> }[] = [
      ...updateIds.map((id) => ({ file: join(values.out, `${id}.schema.json`), make: async () => updateMetainfoToSchema(await readUpdateMetainfo(http, id)) })),
      ...getIds.map((id) => ({ file: join(values.out, "get", `${id}.schema.json`), make: async () => getMetainfoToSchema(await readGetMetainfo(http, id)) })),
    ];
    let changed = 0;
    for (const job of jobs) {
      const existing = readJson(job.file);
      const text = render(mergeProse(await job.make(), existing));
      const same = existsSync(job.file) && readFileSync(job.file, "utf8") === text;
      if (same) continue;
      changed += 1;
      process.stdout.write(`${values.check ? "would change" : existing ? "updated" : "created"} ${job.file}\n`);
      if (!values.check) {
        mkdirSync(join(job.file, ".."), { recursive: true });
        writeFileSync(job.file, text);
      }
    }
    process.stdout.write(`${jobs.length} schemas, ${changed} ${values.check ? "out of date" : "written"}\n`);
    return unknown.length > 0 || (values.check && changed > 0) ? 1 : 0;
  } catch (err) {
    process.stderr.write(`${err instanceof KoppelError ? err.format() : String(err)}\n`);
    return 1;
  }
}
