import flowSchema from "../../schemas/flow.schema.json" with { type: "json" };
import configSchema from "../../schemas/config.schema.json" with { type: "json" };
import type { ValidateFunction } from "ajv/dist/2020.js";
import { ConfigError } from "../../common/errors.ts";
import { compileFlow, type CompileContext } from "../flow/compile.ts";
import type { FlowDocument } from "../flow/flow-document.ts";
import type { CompiledFlow, SendSchema } from "../flow/plan.ts";
import { schemaKey } from "../flow/record-key.ts";
import type { Limits } from "../transform/expression.ts";
import { findLiteralSecrets, interpolate, type FileRefusal, type Resolvers } from "./interpolate.ts";
import { createAjv, readAgainstSchema } from "./schema-check.ts";
import { stepKindProblems } from "./step-kinds.ts";
import type { KoppelConfig } from "./types.ts";
import { parseYaml, type YamlSource } from "./yaml-source.ts";

/** Everything the loader needs from outside; the runner passes the file system and process.env. */
export interface ProjectHost {
  /** Text of an absolute path, or undefined when it does not exist. */
  read(path: string): string | undefined;
  /** Absolute paths matching a pattern relative to `cwd` (only `*` and `**` are used). */
  glob(pattern: string, cwd: string): string[];
  /** Join/normalise paths (the platform's path rules). */
  resolve(from: string, relative: string): string;
  dirname(path: string): string;
  /** How a path is shown in messages (usually relative to the working directory). */
  display(path: string): string;
  /** Environment lookups for `${env:NAME}`; return a placeholder to resolve leniently. */
  env(name: string): string | undefined;
  /**
   * `${file:PATH}` (absolute): like `read`, but the host decides which folders secrets may come
   * from; without it `read` is used.
   */
  readSecret?(path: string): string | undefined | FileRefusal;
  /** A file of the project's own (a test case's fixture): like `read`, but the host may refuse one outside the project. */
  readProjectFile?(path: string): string | undefined | FileRefusal;
  /** Folders holding `<connection type>/<object>.schema.json`, searched in order. */
  readonly schemaDirs: readonly string[];
}

export interface Project {
  readonly configFile: string;
  readonly config: KoppelConfig;
  readonly flows: ReadonlyMap<string, CompiledFlow>;
  /** Every file the load read, for watchers and version hashes. */
  readonly files: readonly string[];
  /** The folders `<connection type>/<object>.schema.json` were looked up in. */
  readonly schemaDirs: readonly string[];
  /**
   * Each schema's `x-key` by its name under the folders (`afas/FbSales`, `afas/get/Koppel_Stock`;
   * the first folder wins), read at load: connectors ask later, when a version loaded from a git
   * checkout no longer has its folder (the checkout is removed once the version is checked).
   */
  readonly schemaKeys: ReadonlyMap<string, readonly string[]>;
}

/** The `x-key` of every schema in the folders, for Project.schemaKeys. */
function readSchemaKeys(host: ProjectHost): Map<string, readonly string[]> {
  const keys = new Map<string, readonly string[]>();
  for (const dir of host.schemaDirs) {
    for (const file of [...host.glob("*/*.schema.json", dir), ...host.glob("*/get/*.schema.json", dir)]) {
      const name = file.slice(dir.length + 1, -".schema.json".length);
      if (keys.has(name)) continue;
      try {
        keys.set(name, schemaKey(JSON.parse(host.read(file) ?? "null")));
      } catch {
        // A schema that does not parse fails where a flow uses it; it gives no key here.
      }
    }
  }
  return keys;
}

const ajv = createAjv();
// The per-target field docs in flow.schema.json are for editors and constrain nothing; compiling them would only slow every load.
const validateFlow = ajv.compile<FlowDocument>({ ...flowSchema, $defs: { ...flowSchema.$defs, sendTargets: {} } });
const validateConfig = ajv.compile<KoppelConfig>(configSchema);

/** The settings config.schema.json gives a default for (orderTarget, receiptTarget, timezone). */
const SETTING_DEFAULTS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries((configSchema as { $defs: { settings: { properties: Record<string, { default?: unknown }> } } }).$defs.settings.properties)
    .flatMap(([name, spec]) => ("default" in spec ? [[name, spec.default]] : [])),
);

/**
 * A setting the docs give a default for holds it when the config leaves it out: flows read it as
 * that value, and a shipped flow copied into a config without it loads (it was UNKNOWN_SETTING).
 */
function withSettingDefaults(config: KoppelConfig): KoppelConfig {
  return { ...config, settings: { ...SETTING_DEFAULTS, ...config.settings } };
}

export function loadProject(configPath: string, host: ProjectHost, limits?: Limits): { project?: Project; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const files: string[] = [configPath];
  const configSource = readYaml(configPath, host, errors);
  if (!configSource) return { errors };

  errors.push(...findLiteralSecrets(configSource));
  const { value: configValue, errors: refErrors, standIns } = interpolate(configSource, hostResolvers(configPath, host));
  errors.push(...refErrors);
  const { value: read, errors: configErrors } = readAgainstSchema(validateConfig, configSource, configValue, standIns);
  errors.push(...configErrors);
  if (!read) return { errors };
  const config = withSettingDefaults(read);
  errors.push(...checkTimezone(config.settings?.timezone, configSource));

  const schemas = new SchemaCache(host);
  const flowSources: { source: YamlSource; document: FlowDocument }[] = [];
  /** Flows that fail their schema: still compiled, so their expression and reference errors show in the same pass. */
  const invalidSources: YamlSource[] = [];
  const baseDir = host.dirname(configPath);
  config.flows.forEach((pattern, i) => {
    const paths = pattern.includes("*") ? host.glob(pattern, baseDir) : [host.resolve(baseDir, pattern)];
    if (paths.length === 0) {
      errors.push(new ConfigError("FILE_MISSING", `no flow file matches ${pattern}`, configSource.positionOf(["flows", i])));
    }
    for (const p of paths) {
      if (files.includes(p)) continue;
      files.push(p);
      const source = readYaml(p, host, errors, configSource.positionOf(["flows", i]));
      if (!source) continue;
      const kinds = stepKindProblems(source);
      const read = readAgainstSchema(validateFlow, source, source.value, undefined, kinds.steps);
      errors.push(...kinds.errors, ...read.errors);
      if (read.value && !kinds.errors.length) flowSources.push({ source, document: read.value });
      else invalidSources.push(source);
    }
  });

  const byName = new Map<string, { source: YamlSource; document: FlowDocument }>();
  for (const read of flowSources) {
    const name = read.document.flow;
    const earlier = byName.get(name);
    if (earlier) {
      errors.push(new ConfigError("DUPLICATE_FLOW", `flow "${name}" is also defined in ${earlier.source.file}`, read.source.positionOf(["flow"])));
    } else byName.set(name, read);
  }

  const flows = new Map<string, CompiledFlow>();
  const ctx = {
    connections: config.connections,
    maps: new Set(Object.keys(config.maps ?? {})),
    settings: new Set(Object.keys(config.settings ?? {})),
    webhookSources: new Set(Object.keys(config.webhooks ?? {})),
    flowNames: new Set([...byName.keys(), ...invalidSources.map((source) => (source.value as { flow?: unknown } | null)?.flow).filter((name): name is string => typeof name === "string")]),
    sendSchema: (type: string, object: string) => schemas.send(type, object),
    sendObjects: (type: string) => schemas.sendObjects(type),
    readFields: (type: string, object: string) => schemas.readFields(type, object),
    readObjects: (type: string) => schemas.readObjects(type),
    inputSchema: (flowFile: string, ref: string) => schemas.input(flowFile, ref),
    ...(limits ? { limits } : {}),
  };
  for (const [name, { source, document }] of byName) {
    const { flow, errors: compileErrors } = compileFlow(source, document, ctx);
    errors.push(...compileErrors);
    if (flow) flows.set(name, flow);
  }
  for (const source of invalidSources) errors.push(...lintInvalidFlow(source, ctx, errors));
  errors.push(...findCallCycles(flows));
  files.push(...schemas.files);
  return errors.length ? { errors: sortErrors(errors) } : { project: { configFile: configPath, config, flows, files, schemaDirs: host.schemaDirs, schemaKeys: readSchemaKeys(host) }, errors: [] };
}

/**
 * The schema only knows it is a string: a misspelt zone loaded, and failed at run time on the first
 * $localDate, or a schedule's first tick, with an error about the expression instead of the config.
 */
function checkTimezone(zone: unknown, source: YamlSource): ConfigError[] {
  if (typeof zone !== "string") return [];
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: zone });
    return [];
  } catch {
    return [new ConfigError("INVALID_VALUE", `settings.timezone ${JSON.stringify(zone)} is not an IANA time zone (such as Europe/Amsterdam)`, source.positionOf(["settings", "timezone"]))];
  }
}

/**
 * Compile errors of a flow that failed its schema, less the ones already reported. A document the
 * schema refused may trip the compiler in ways a valid one cannot; then the schema errors stand alone.
 */
function lintInvalidFlow(source: YamlSource, ctx: CompileContext, reported: readonly ConfigError[]): ConfigError[] {
  if (!source.value || typeof source.value !== "object") return [];
  const seen = new Set(reported.map((e) => e.format()));
  try {
    // Read as if valid on purpose: whatever the compiler trips over here is caught below.
    return compileFlow(source, source.value as FlowDocument, ctx).errors.filter((e) => !seen.has(e.format()));
  } catch {
    return [];
  }
}

/** `${env:}` from the host's environment; `${file:}` relative to the config file, through the host's secret rule. */
export function hostResolvers(configPath: string, host: ProjectHost): Resolvers {
  return {
    env: host.env,
    file: (p) => {
      const path = host.resolve(host.dirname(configPath), p);
      return host.readSecret ? host.readSecret(path) : host.read(path);
    },
  };
}

export function readYaml(path: string, host: ProjectHost, errors: ConfigError[], referencedAt?: ConfigError["position"]): YamlSource | undefined {
  const text = host.read(path);
  if (text === undefined) {
    errors.push(new ConfigError("FILE_MISSING", `${host.display(path)} does not exist`, referencedAt));
    return undefined;
  }
  const { source, errors: parseErrors } = parseYaml(host.display(path), text, path);
  errors.push(...parseErrors);
  return source;
}

/** Loads each JSON Schema file once per load; schemas may $ref siblings by relative path. */
class SchemaCache {
  readonly files: string[] = [];
  private readonly ajv = createAjv();
  private readonly compiled = new Map<string, ValidateFunction | string>();
  private readonly sendSchemas = new Map<string, SendSchema | undefined>();
  private readonly readSchemas = new Map<string, string[] | undefined>();
  private readonly readObjectNames = new Map<string, string[]>();

  constructor(private readonly host: ProjectHost) {}

  /** Objects of a connection type a flow can send to: the schema files' names, for a typo's nearest match. */
  sendObjects(type: string): string[] {
    const names = this.host.schemaDirs.flatMap((dir) => this.host.glob(`${type}/*.schema.json`, dir).map((f) => f.slice(f.lastIndexOf("/") + 1, -".schema.json".length)));
    return [...new Set(names)];
  }

  /** Objects of a connection type whose reads have a schema (`<type>/get/*.schema.json`). */
  readObjects(type: string): string[] {
    let names = this.readObjectNames.get(type);
    if (!names) {
      names = [...new Set(this.host.schemaDirs.flatMap((dir) => this.host.glob(`${type}/get/*.schema.json`, dir).map((f) => f.slice(f.lastIndexOf("/") + 1, -".schema.json".length))))];
      this.readObjectNames.set(type, names);
    }
    return names;
  }

  /** The property names of the first `<type>/get/<object>.schema.json` in the schema folders, or undefined. */
  readFields(type: string, object: string): string[] | undefined {
    const id = `${type}/get/${object}`;
    if (!this.readSchemas.has(id)) this.readSchemas.set(id, this.findRead(type, object));
    return this.readSchemas.get(id);
  }

  private findRead(type: string, object: string): string[] | undefined {
    for (const dir of this.host.schemaDirs) {
      const text = this.host.read(this.host.resolve(dir, `${type}/get/${object}.schema.json`));
      if (text === undefined) continue;
      try {
        return Object.keys((JSON.parse(text) as { properties?: object }).properties ?? {});
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  send(type: string, object: string): SendSchema | undefined {
    const id = `${type}/${object}`;
    if (!this.sendSchemas.has(id)) this.sendSchemas.set(id, this.findSend(type, object));
    return this.sendSchemas.get(id);
  }

  private findSend(type: string, object: string): SendSchema | undefined {
    for (const dir of this.host.schemaDirs) {
      const path = this.host.resolve(dir, `${type}/${object}.schema.json`);
      const insert = this.load(path);
      if (typeof insert === "string") continue;
      const key = schemaKey(insert.schema);
      const keyed = key.length ? this.ajv.compile({ ...relaxForKeyedWrite(insert.schema, key), $id: `${fileId(path)}?keyed` }) : insert;
      return { insert, keyed, key };
    }
    return undefined;
  }

  input(flowFile: string, ref: string): ValidateFunction | string {
    return this.load(this.host.resolve(this.host.dirname(flowFile), ref));
  }

  private load(path: string): ValidateFunction | string {
    const cached = this.compiled.get(path);
    if (cached) return cached;
    const result = this.compile(path);
    this.compiled.set(path, result);
    return result;
  }

  private compile(path: string): ValidateFunction | string {
    const text = this.host.read(path);
    if (text === undefined) return `schema ${this.host.display(path)} does not exist`;
    this.files.push(path);
    try {
      this.addSiblings(this.host.dirname(path));
      return this.ajv.getSchema(fileId(path)) ?? this.ajv.compile({ ...JSON.parse(text), $id: fileId(path) });
    } catch (e) {
      return `schema ${this.host.display(path)} cannot be used: ${(e as Error).message}`;
    }
  }

  /** Register every schema in the folder under its file URL so relative $refs resolve. */
  private addSiblings(dir: string): void {
    for (const file of this.host.glob("*.schema.json", dir)) {
      const id = fileId(file);
      if (this.ajv.getSchema(id)) continue;
      const text = this.host.read(file);
      if (text === undefined) continue;
      const schema = JSON.parse(text) as Record<string, unknown>;
      this.ajv.addSchema({ ...schema, $id: id });
    }
  }
}

/** The same schema with every `required` dropped except the key at the top. */
function relaxForKeyedWrite(schema: unknown, key: readonly string[]): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== "required" && k !== "$id") out[k] = strip(v);
    return out;
  };
  return { ...(strip(schema) as Record<string, unknown>), required: [...key] };
}

function fileId(path: string): string {
  return `file://${path.startsWith("/") ? "" : "/"}${path.replace(/\\/g, "/")}`;
}

function findCallCycles(flows: ReadonlyMap<string, CompiledFlow>): ConfigError[] {
  const errors: ConfigError[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      const flow = flows.get(name);
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      errors.push(new ConfigError("CALL_CYCLE", `flows call each other in a cycle: ${cycle.join(" → ")}`, flow?.position));
      return;
    }
    state.set(name, "visiting");
    for (const callee of flows.get(name)?.calls ?? []) visit(callee, [...trail, name]);
    state.set(name, "done");
  };
  for (const name of flows.keys()) visit(name, []);
  return errors;
}

/** In file, line and column order, as an editor lists problems. */
export function sortErrors(errors: ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => {
    const pa = a.position;
    const pb = b.position;
    if (!pa || !pb) return pa ? -1 : pb ? 1 : 0;
    return pa.file.localeCompare(pb.file) || pa.line - pb.line || pa.col - pb.col;
  });
}
