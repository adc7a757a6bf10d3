import configSchema from "../../schemas/config.schema.json" with { type: "json" };
import type { ConfigError } from "../../common/errors.ts";
import { interpolate } from "./interpolate.ts";
import { hostResolvers, readYaml, sortErrors, type ProjectHost } from "./load.ts";
import { checkAgainstSchema, createAjv } from "./schema-check.ts";
import type { ReloadConfig, StoreConfig } from "./types.ts";

/**
 * What the runner must know before a project loads: the store to open and where mapping versions
 * come from (the source decides which project is loaded). Webhook sources are not here: they are
 * read from the running version, so a reload can change them.
 */
export interface Bootstrap {
  readonly store?: StoreConfig;
  readonly reload?: ReloadConfig;
}

const BOOTSTRAP_KEYS = ["store", "reload"] as const satisfies readonly (keyof Bootstrap)[];
const BOOTSTRAP_KEY_SET: ReadonlySet<string> = new Set(BOOTSTRAP_KEYS);

// The same schema's definitions of these keys, so the bootstrap read cannot drift from the full load.
const validateBootstrap = createAjv().compile({
  $defs: configSchema.$defs,
  type: "object",
  properties: Object.fromEntries(BOOTSTRAP_KEYS.map((key) => [key, configSchema.properties[key]])),
});

/**
 * Reads only the bootstrap keys of mapping.config.yaml, with the full load's `${env:}`/`${file:}`
 * resolution and `file:line:col` errors; the rest of the file is left to the full load.
 */
export function readBootstrap(configPath: string, host: ProjectHost): { bootstrap?: Bootstrap; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const source = readYaml(configPath, host, errors);
  if (!source) return { errors };
  const whole = source.value;
  const picked = whole && typeof whole === "object" && !Array.isArray(whole)
    ? Object.fromEntries(Object.entries(whole).filter(([key]) => BOOTSTRAP_KEY_SET.has(key)))
    : {};
  // A view of the file holding only those keys: positions still come from the whole document.
  const { value, errors: refErrors } = interpolate({ ...source, value: picked }, hostResolvers(configPath, host));
  errors.push(...refErrors, ...checkAgainstSchema(validateBootstrap, source, value));
  return errors.length ? { errors: sortErrors(errors) } : { bootstrap: value as Bootstrap, errors: [] };
}
