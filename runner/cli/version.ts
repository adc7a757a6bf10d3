import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.ts";

/** This Koppel's version, from its own package.json: the one npm installed, not the caller's. */
export function koppelVersion(): string {
  return (JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string }).version;
}
