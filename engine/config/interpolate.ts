import { ConfigError } from "../../common/errors.ts";
import type { JsonPath, YamlSource } from "./yaml-source.ts";

/** How `${env:X}` and `${file:P}` are answered; the runner passes process.env and the file system. */
export interface Resolvers {
  env(name: string): string | undefined;
  /**
   * Text of the file, undefined when it does not exist, or why it may not be read (outside the
   * folders secrets may come from). Relative paths are the caller's concern.
   */
  file(path: string): string | undefined | FileRefusal;
}

export interface FileRefusal {
  readonly refused: string;
}

const REFERENCE = /\$\{(env|file):([^}]+)\}/g;
const HAS_REFERENCE = /\$\{(env|file):[^}]+\}/;
const UNCLOSED = /\$\{(env|file):[^}]*$/;
const SECRET_KEY = /(token|secret|password|passwd|apikey|api_key)$/i;

/**
 * Replace every `${env:X}`/`${file:P}` in string values; collect one error per unresolved reference.
 * `standIns`: the paths (joined with ".") of values holding a lenient host's `<NAME>` for an unset
 * variable or `<file:PATH>` for a secret file, whose form the schema cannot judge (an AFAS environment's pattern, say).
 */
export function interpolate(source: YamlSource, resolvers: Resolvers): { value: unknown; errors: ConfigError[]; standIns: ReadonlySet<string> } {
  const errors: ConfigError[] = [];
  const standIns = new Set<string>();
  const visit = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === "string") return resolveString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k]);
      return out;
    }
    return value;
  };
  const resolveString = (text: string, path: JsonPath): string => {
    // Without its `}` a reference was taken as literal text and sent on (a debtor "${env:DEBTOR").
    const unclosed = UNCLOSED.exec(text);
    if (unclosed) {
      errors.push(new ConfigError("INVALID_VALUE", `${unclosed[0]} has no closing }: write \${${unclosed[1]}:NAME}`, source.positionInScalar(path, unclosed.index)));
    }
    return text.replace(REFERENCE, (whole, kind: string, ref: string, offset: number) => {
      // `${env:NAME:-default}`: the default stands in when NAME is unset (as in a shell).
      const fallback = kind === "env" ? /^([^:]*):-(.*)$/s.exec(ref) : null;
      const name = (fallback?.[1] ?? ref).trim();
      const found = kind === "env" ? envValue(resolvers, name, fallback?.[2]) : resolvers.file(name);
      if (typeof found === "object") {
        errors.push(new ConfigError("FILE_NOT_ALLOWED", `${whole} is not read: ${found.refused}`, source.positionInScalar(path, offset)));
        return "";
      }
      if (found === undefined) {
        const pos = source.positionInScalar(path, offset);
        errors.push(
          kind === "env"
            ? new ConfigError("ENV_MISSING", `environment variable ${name} is not set (referenced as ${whole})`, pos)
            : new ConfigError("FILE_MISSING", `file ${name} does not exist (referenced as ${whole})`, pos),
        );
        return "";
      }
      if ((kind === "env" && found === `<${name}>`) || (kind === "file" && /^<file:[^<>]+>$/.test(found))) standIns.add(path.join("."));
      return kind === "file" ? found.replace(/\r?\n$/, "") : found;
    });
  };
  return { value: visit(source.value, []), errors, standIns };
}

/** A lenient host answers `<NAME>` for an unset variable; a written default is the better stand-in. */
function envValue(resolvers: Resolvers, name: string, fallback: string | undefined): string | undefined {
  const value = resolvers.env(name);
  return fallback !== undefined && (value === undefined || value === `<${name}>`) ? fallback : value;
}

/** Secrets must come from the environment or a file, so they never land in git. */
export function findLiteralSecrets(source: YamlSource): ConfigError[] {
  const errors: ConfigError[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (SECRET_KEY.test(k) && typeof v === "string" && /\$\{env:[^}]*:-[^}]+\}/.test(v)) {
          errors.push(new ConfigError("LITERAL_SECRET", `${k} has a default after :-, which would keep a secret in git; drop the default`, source.positionOf([...path, k])));
        } else if (SECRET_KEY.test(k) && typeof v === "string" && v !== "" && !HAS_REFERENCE.test(v)) {
          errors.push(
            new ConfigError(
              "LITERAL_SECRET",
              `${k} holds a literal value; write \${env:NAME} or \${file:PATH} so the secret stays out of git`,
              source.positionOf([...path, k]),
            ),
          );
        }
        visit(v, [...path, k]);
      }
    }
  };
  // A map's keys are data (codes of the other system: a gift-card payment GIFT_TOKEN), not settings.
  const { maps: _data, ...rest } = (source.value ?? {}) as Record<string, unknown>;
  visit(rest, []);
  return errors;
}
