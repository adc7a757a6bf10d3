import { posix } from "node:path";
import type { ProjectHost } from "../../engine/config/load.ts";
import { BUILTIN_SCHEMAS } from "../../runner/project-host.ts";
import { existsSync, readFileSync, readdirSync } from "node:fs";

/**
 * A project held in memory: tests write exactly the YAML they mean and assert exact positions.
 * Koppel's real schemas folder is mounted at /schemas so sends validate as in production.
 */
export function memoryHost(files: Record<string, string>, env: Record<string, string> = {}): ProjectHost & { files: Map<string, string> } {
  const all = new Map(Object.entries(files).map(([p, t]) => [posix.resolve("/project", p), t]));
  const read = (p: string): string | undefined => {
    if (all.has(p)) return all.get(p);
    if (p.startsWith("/schemas/")) {
      try {
        return readFileSync(posix.join(BUILTIN_SCHEMAS, p.slice("/schemas/".length)), "utf8");
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
  return {
    files: all,
    read,
    glob: (pattern, cwd) => {
      const abs = posix.resolve(cwd, pattern);
      const regex = new RegExp(`^${abs.split("**/").map((s) => s.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")).join("(?:.*/)?")}$`);
      const builtinDir = posix.join(BUILTIN_SCHEMAS, posix.dirname(abs).slice("/schemas/".length));
      // As the node host's glob: a folder that does not exist holds no files.
      const builtin = abs.startsWith("/schemas/") && existsSync(builtinDir)
        ? readdirSync(builtinDir).map((f) => posix.join(posix.dirname(abs), f))
        : [];
      return [...all.keys(), ...builtin].filter((p) => regex.test(p)).sort();
    },
    resolve: (from, rel) => posix.resolve(from, rel),
    dirname: (p) => posix.dirname(p),
    display: (p) => (p.startsWith("/project/") ? p.slice("/project/".length) : p),
    env: (name) => env[name],
    schemaDirs: ["/project/schemas", "/schemas"],
  };
}

/** A config with both connections and a few maps, for flows under test. */
export const BASE_CONFIG = `connections:
  afas: { type: afas, baseUrl: "http://127.0.0.1:1/ProfitRestServices", token: "\${env:AFAS_TOKEN}" }
  aspos: { type: aspos, baseUrl: "http://127.0.0.1:2", clientId: koppel, clientSecret: "\${env:ASPOS_SECRET}" }
webhooks:
  aspos: { verify: none, allowIps: ["127.0.0.1/32"] }
  afas: { verify: none, allowIps: ["127.0.0.1/32"] }
settings:
  administrationId: 1
  timezone: Europe/Amsterdam
maps:
  paymentMethod: { ideal: IDL, pin: PIN, default: KAS }
  country: { NL: NL, BE: B }
flows: [flows/*.flow.yaml]
`;

export const BASE_ENV = { AFAS_TOKEN: "t", ASPOS_SECRET: "s" };
