import type { Exchange } from "./exchange.ts";

/**
 * The one error-code table. CLI, API and dashboard all print from here, so a code means the same
 * thing everywhere. `actor` says who has to do something about it.
 */
export type Actor = "integrator" | "upstream" | "operator" | "koppel";

interface CodeInfo {
  readonly actor: Actor;
  readonly title: string;
  /** Retrying the same run later may succeed without anyone changing anything. */
  readonly retryable?: boolean;
}

export const ERROR_CODES = {
  // Configuration and mappings: the integrator fixes the YAML.
  YAML_SYNTAX: { actor: "integrator", title: "YAML cannot be parsed" },
  UNKNOWN_KEY: { actor: "integrator", title: "key is not part of the schema" },
  WRONG_TYPE: { actor: "integrator", title: "value has the wrong type" },
  MISSING_KEY: { actor: "integrator", title: "required key is missing" },
  INVALID_VALUE: { actor: "integrator", title: "value is not allowed here" },
  ENV_MISSING: { actor: "integrator", title: "environment variable is not set" },
  FILE_MISSING: { actor: "integrator", title: "referenced file does not exist" },
  FILE_NOT_ALLOWED: { actor: "integrator", title: "referenced file lies outside the project and the allowed secret folders" },
  YAML_ALIASES: { actor: "integrator", title: "YAML expands too many aliases" },
  LITERAL_SECRET: { actor: "integrator", title: "secret written as a literal value" },
  EXPR_SYNTAX: { actor: "integrator", title: "JSONata expression does not parse" },
  EXPR_BANNED: { actor: "integrator", title: "expression uses a function that is not allowed" },
  EXPR_UNKNOWN_FUNCTION: { actor: "integrator", title: "expression calls a function that neither JSONata nor Koppel has" },
  UNKNOWN_STEP: { actor: "integrator", title: "reference to a step that does not run before this one" },
  UNKNOWN_MAP: { actor: "integrator", title: "reference to a map that the config does not define" },
  UNKNOWN_SETTING: { actor: "integrator", title: "reference to a setting that the config does not declare" },
  DUPLICATE_STEP: { actor: "integrator", title: "two steps share an id" },
  UNKNOWN_FLOW: { actor: "integrator", title: "call to a flow that is not loaded" },
  CALL_CYCLE: { actor: "integrator", title: "flows call each other in a cycle" },
  DUPLICATE_FLOW: { actor: "integrator", title: "two flows share a name" },
  NO_SCHEMA: { actor: "integrator", title: "send to an object that has no schema" },
  UNKNOWN_FIELD: { actor: "integrator", title: "field or object is not in the target's schema" },
  MISSING_FIELD: { actor: "integrator", title: "a mandatory field of the target (or the key of an update) is not mapped" },
  UNKNOWN_OBJECT: { actor: "integrator", title: "a find or poll names an object its connection does not have" },
  UNKNOWN_CONNECTION: { actor: "integrator", title: "connection is not configured" },
  UNKNOWN_WEBHOOK: { actor: "integrator", title: "trigger names a webhook source the config does not define" },
  TEST_CASE: { actor: "integrator", title: "fixture test case is malformed" },
  TEST_FAILED: { actor: "integrator", title: "fixture test case's outcome or effects differ from its golden" },
  FIXTURE_REFUSED: { actor: "integrator", title: "no fixture case can be built from this run" },

  // Run time, caused by the mapping or the data it met.
  EXPR_RUNTIME: { actor: "integrator", title: "expression failed while running" },
  EXPR_TIMEOUT: { actor: "integrator", title: "expression ran longer than its time limit" },
  EXPR_DEPTH: { actor: "integrator", title: "expression recursed deeper than allowed" },
  EXPR_LIMIT: { actor: "integrator", title: "expression built a string or list larger than allowed" },
  MAP_KEY_MISSING: { actor: "integrator", title: "lookup key not in map and map has no default" },
  PAYLOAD_INVALID: { actor: "integrator", title: "payload does not match the target schema" },
  INPUT_INVALID: { actor: "operator", title: "event does not match the flow's input schema" },
  FLOW_FAILED: { actor: "operator", title: "the flow stopped with a fail step" },
  FIND_NO_VALUE: { actor: "operator", title: "a find's filter value evaluated to nothing for this event" },
  EACH_KEY: { actor: "integrator", title: "an each step's `key` is empty, not a text or number, or the same for two items" },
  ONCE_KEY: { actor: "integrator", title: "a send's `once` key is empty, or the same for two sends of one run (inside each it must tell the items apart)" },
  MOCK_MISSING: { actor: "integrator", title: "fixture case has no mock for a step that reads or writes" },

  // AFAS or AsPos said no, or could not be reached.
  UPSTREAM_REJECTED: { actor: "upstream", title: "upstream rejected the request" },
  UPSTREAM_AUTH: { actor: "upstream", title: "upstream refused the credentials" },
  UPSTREAM_FORBIDDEN: { actor: "upstream", title: "upstream refused the caller (IP restriction or rights)" },
  UPSTREAM_NOT_FOUND: { actor: "upstream", title: "upstream does not know the resource" },
  UPSTREAM_CONFLICT: { actor: "upstream", title: "upstream reports a conflicting record" },
  UPSTREAM_DUPLICATE: { actor: "upstream", title: "upstream already has the record a create was for (a concurrent run made it)", retryable: true },
  UPSTREAM_UNAVAILABLE: { actor: "upstream", title: "upstream is unavailable", retryable: true },
  UPSTREAM_RATE_LIMITED: { actor: "upstream", title: "upstream asks to slow down", retryable: true },
  UPSTREAM_TIMEOUT: { actor: "upstream", title: "upstream did not answer in time", retryable: true },
  UPSTREAM_NETWORK: { actor: "upstream", title: "upstream could not be reached", retryable: true },
  UPSTREAM_UNREADABLE: { actor: "upstream", title: "upstream answered a read with a body that is not the records asked for (not JSON, or without its list); not taken as none found", retryable: true },
  UPSTREAM_UNCERTAIN: { actor: "upstream", title: "a create got no recorded answer (lost on the way, or its runner stopped before storing it), so upstream may have made the record: not sent again on its own; check upstream, then replay" },
  UPSTREAM_UNCERTAIN_RETRY: { actor: "upstream", title: "a create's answer was lost; the flow looks the record up before creating it (onLostAnswer), so the run is tried again after a wait", retryable: true },
  QUERY_TOO_LONG: { actor: "integrator", title: "query string is longer than upstream accepts" },

  // Webhook refusals (answered with 4xx).
  WEBHOOK_UNKNOWN_SOURCE: { actor: "operator", title: "no webhook source with this name" },
  WEBHOOK_SIGNATURE: { actor: "operator", title: "signature missing or wrong" },
  WEBHOOK_TIMESTAMP: { actor: "operator", title: "timestamp outside the allowed window" },
  WEBHOOK_IP: { actor: "operator", title: "caller address not allowed" },
  WEBHOOK_TOO_LARGE: { actor: "operator", title: "body larger than allowed" },
  WEBHOOK_CONTENT_TYPE: { actor: "operator", title: "body is not JSON" },
  WEBHOOK_BAD_JSON: { actor: "operator", title: "body does not parse as JSON" },
  WEBHOOK_TOO_DEEP: { actor: "operator", title: "body nests deeper than allowed" },
  WEBHOOK_METHOD: { actor: "operator", title: "webhooks are delivered with POST" },

  // Admin API, dashboard and CLI.
  UNAUTHORIZED: { actor: "operator", title: "admin token missing or wrong" },
  READ_ONLY_TOKEN: { actor: "operator", title: "the viewer token only reads: this needs the admin token" },
  TOO_MANY_ATTEMPTS: { actor: "operator", title: "too many wrong tokens from this address; wait and retry" },
  BODY_TOO_LARGE: { actor: "operator", title: "request body larger than this route takes (login, dashboard forms, admin API)" },
  RUN_NOT_FOUND: { actor: "operator", title: "no run with this id" },
  REPLAY_REFUSED: { actor: "operator", title: "the run cannot be replayed as asked" },
  RETRY_REFUSED: { actor: "operator", title: "the run is not waiting for a retry (it runs, finished, or never failed)" },
  SANDBOX_REAL_CONNECTION: { actor: "operator", title: "sandbox mode would send to a system that is not one of its simulators" },
  STORE_IN_USE: { actor: "operator", title: "another koppel serve uses this SQLite store; it serves one runner" },
  LISTEN_FAILED: { actor: "operator", title: "koppel serve cannot listen on the host and port it was given" },
  STORE_UNREACHABLE: { actor: "operator", title: "the store's database cannot be reached, or refused the connection" },
  BAD_REQUEST: { actor: "operator", title: "request body or query is malformed" },
  NO_SUCH_ROUTE: { actor: "operator", title: "no API route for this method and path" },

  // Deployment: the operator fixes the runner's setup.
  RELOAD_REJECTED: { actor: "integrator", title: "mapping version does not load, validate or pass its fixture tests; the last good one keeps running" },
  RESTART_REQUIRED: { actor: "operator", title: "mapping version changes store: or reload:, which a runner reads only at start; restart the runners to take it" },
  GIT_FAILED: { actor: "operator", title: "git command on the mapping repository failed" },
  RELOAD_SOURCE: { actor: "operator", title: "the mapping repository could not be read for a reload (git unreachable, branch or config missing); the running version stays and the next check tries again" },
  RELOAD_FAILED: { actor: "koppel", title: "checking a mapping version for a reload failed unexpectedly; the running version stays" },
  SHADOW_REFUSED: { actor: "integrator", title: "shadow candidate does not load, validate or pass its fixture tests; the running shadow stays" },

  // The runner: a job whose process died under it again and again is set aside, not retried forever.
  VERSION_GONE: { actor: "operator", title: "the run's mapping version is not loaded on this runner: handed back while the cluster reloads; not run on another where an earlier attempt may have written" },
  MIGRATION_BLOCKED: { actor: "operator", title: "a schema migration that earlier releases cannot run beside waits until no other runner is running" },
  POISONED: { actor: "operator", title: "job crashed or hung its runner on every attempt; set aside" },
  SENT_ANSWER_GONE: { actor: "operator", title: "a send this event's run made before has lost its recorded answer (erasure or retention); sending again would make the record twice" },

  INTERNAL: { actor: "koppel", title: "internal error in Koppel" },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function codeInfo(code: ErrorCode): CodeInfo {
  return ERROR_CODES[code];
}

/** A place in a YAML file, 1-based as editors show it. */
export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export function formatPosition(pos: Position | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : "";
}

export abstract class KoppelError extends Error {
  abstract readonly actor: Actor;
  readonly code: ErrorCode;
  readonly position: Position | undefined;

  constructor(code: ErrorCode, message: string, position?: Position, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.position = position;
    this.name = new.target.name;
  }

  get retryable(): boolean {
    return (ERROR_CODES[this.code] as CodeInfo).retryable === true;
  }

  /** `file:line:col CODE message`, or `CODE message` when there is no position. */
  format(): string {
    const where = formatPosition(this.position);
    return `${where ? `${where} ` : ""}${this.code} ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      // Not `name`: redaction treats a `name` key as a person's name.
      errorClass: this.name,
      actor: this.actor,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.position ? { file: this.position.file, line: this.position.line, col: this.position.col } : {}),
    };
  }
}

/** The integrator must change the configuration or a mapping. */
export class ConfigError extends KoppelError {
  readonly actor = "integrator" as const;
}

/** The event data cannot be processed as it is; someone fixes the record upstream, then replays. */
export class DataError extends KoppelError {
  readonly actor = "operator" as const;
}

/** The operator must act: the runner's setup, an admin request, or a run asked for. */
export class OperatorError extends KoppelError {
  readonly actor = "operator" as const;
}

export interface UpstreamDetails {
  readonly connection: string;
  readonly status?: number;
  /** What AFAS/AsPos said, verbatim (AFAS externalMessage, AsPos problem title/detail). */
  readonly upstreamMessage?: string;
  /** AFAS errorNumber or AsPos problem code. */
  readonly errorNumber?: number | string;
  /** AFAS profitLogReference, X-Trace-Identifier or AsPos traceId: what support asks for. */
  readonly reference?: string;
  /** AFAS's X-Trace-Identifier of the call, kept beside a profitLogReference that took `reference`. */
  readonly trace?: string;
  /** Milliseconds the upstream asked us to wait (Retry-After, retry_after). */
  readonly retryAfterMs?: number;
  /** Extra machine-readable fields from the error body (missingSkus, existingId, …). */
  readonly body?: unknown;
  /** The HTTP exchanges of the failed call: the engine moves them into the step's trace entry. */
  readonly exchanges?: readonly Exchange[];
}

/** AFAS or AsPos refused the request or could not be reached. */
export class UpstreamError extends KoppelError {
  readonly actor = "upstream" as const;
  readonly details: UpstreamDetails;

  constructor(code: ErrorCode, message: string, details: UpstreamDetails, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
    this.details = details;
  }

  /** Without the exchanges: the trace entry of the failed step holds those, once. */
  override toJSON(): Record<string, unknown> {
    const { exchanges: _inTrace, ...details } = this.details;
    return { ...super.toJSON(), ...details };
  }
}

/** A bug or broken invariant in Koppel itself. */
export class InternalError extends KoppelError {
  readonly actor = "koppel" as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super("INTERNAL", message, undefined, options);
  }
}

/** Collects every error of one load so the integrator sees them all at once. */
export class ConfigErrors extends Error {
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.format()).join("\n"));
    this.errors = errors;
    this.name = "ConfigErrors";
  }
}

export function toKoppelError(err: unknown): KoppelError {
  if (err instanceof KoppelError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}
