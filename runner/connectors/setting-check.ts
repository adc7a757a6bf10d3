import { ConfigError } from "../../common/errors.ts";

export interface SettingProblem {
  readonly key: string;
  readonly error: ConfigError;
}

/**
 * A lenient load's placeholder for an unset `${env:…}` (`<NAME>`) or a missing `${file:…}`
 * (`<file:PATH>`): not judged, the real value arrives at deploy time.
 */
export function isStandIn(value: string): boolean {
  return /^<([A-Za-z_][A-Za-z0-9_]*|file:[^<>]+)>$/.test(value.trim());
}

/**
 * Runs `check` on a connection setting, turning the ConfigError a connector would throw at its
 * first call into a problem at `key`. A lenient load's placeholder for an unset `${env:…}`
 * (`<NAME>`) or a missing `${file:…}` (`<file:PATH>`) is not judged: the real value arrives at
 * deploy time.
 */
export function checkSetting(problems: SettingProblem[], key: string, value: string | undefined, check: () => unknown): void {
  if (value !== undefined && isStandIn(value)) return;
  try {
    check();
  } catch (e) {
    if (e instanceof ConfigError) problems.push({ key, error: e });
    else throw e;
  }
}

/** An http(s) URL, or a ConfigError naming the connection and key. */
export function requireHttpUrl(connection: string, key: string, value: string): void {
  let protocol = "";
  try {
    protocol = new URL(value).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new ConfigError("INVALID_VALUE", `connection '${connection}': ${key} must be an http(s) URL; got '${value}'`);
  }
}
