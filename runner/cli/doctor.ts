import type { ConnectionUse } from "../../engine/flow/port.ts";
import type { Project } from "../../engine/config/load.ts";
import { afasDoctor } from "../connectors/afas/doctor.ts";
import type { AfasConnectionConfig } from "../connectors/afas/config.ts";
import type { AsposConfig } from "../connectors/aspos/config.ts";
import { doctorAspos, type AsposLookups } from "../connectors/aspos/doctor.ts";
import type { DoctorFinding } from "../connectors/types.ts";
import { command, parseCommand } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli } from "./load.ts";

export const DOCTOR = command({
  name: "doctor",
  summary: "Check the live AFAS environment and AsPos tenant against what the enabled flows read and write, and say what to fix. Exit 1 on an error finding.",
  options: {
    config: CONFIG_OPTION,
    format: { type: "string", choices: ["text", "json"], help: "json: the findings per connection" },
  },
});

export async function doctorCommand(argv: readonly string[], io: CliIO, cwd?: string): Promise<number> {
  const args = parseCommand(DOCTOR, argv, io);
  if (typeof args === "number") return args;
  const loaded = loadFromCli(args.values.config, cwd ? { cwd } : {});
  if (!loaded.project) {
    for (const e of loaded.errors) io.err(e.format());
    return 1;
  }
  const results = await diagnose(loaded.project);
  if (args.values.format === "json") io.out(JSON.stringify(results));
  else {
    for (const { connection, findings } of results) {
      io.out(connection);
      for (const f of findings) {
        io.out(`  ${f.level === "ok" ? "✓" : f.level === "warn" ? "!" : "✗"} ${f.check}: ${f.message}`);
        if (f.fix && f.level !== "ok") io.out(`      fix: ${f.fix}`);
      }
    }
  }
  return results.some((r) => r.findings.some((f) => f.level === "error")) ? 1 : 0;
}

export async function diagnose(project: Project): Promise<{ connection: string; findings: DoctorFinding[] }[]> {
  const uses = [...project.flows.values()].flatMap((f) => f.uses);
  const out: { connection: string; findings: DoctorFinding[] }[] = [];
  for (const [name, connection] of Object.entries(project.config.connections)) {
    const mine: ConnectionUse[] = uses.filter((u) => u.connection === name);
    const findings =
      connection.type === "afas"
        ? await afasDoctor(connection as unknown as AfasConnectionConfig, mine, { name })
        : await doctorAspos({ name, config: connection as unknown as AsposConfig, uses: mine, lookups: asposLookups(project) });
    out.push({ connection: name, findings });
  }
  return out;
}

/** Ids the settings and maps promise exist in AsPos: stores, price lists, shipment types, payment methods. */
function asposLookups(project: Project): AsposLookups {
  const settings = project.config.settings ?? {};
  const maps = project.config.maps ?? {};
  const values = (table: string): (string | number)[] =>
    Object.values(maps[table] ?? {}).filter((v): v is string | number => typeof v === "string" || typeof v === "number");
  const list = (v: unknown): (string | number)[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]) as (string | number)[];
  return {
    storeIds: [...list(settings.asposStoreId), ...values("warehouseToStore")],
    priceListIds: list(settings.asposPriceListId),
    shipmentTypes: [...list(settings.asposShipmentType), ...values("shipmentTypeToAspos")],
    paymentMethods: [...list(settings.asposPaymentMethod), ...values("paymentMethodToAspos")],
  };
}
