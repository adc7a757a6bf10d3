import { describe, expect, it } from "vitest";
import { readBootstrap } from "../../../engine/config/bootstrap.ts";
import { BASE_CONFIG, memoryHost } from "../memory-host.ts";
import { positionOf } from "../positions.ts";

const CONFIG = "/project/mapping.config.yaml";

function read(config: string, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return readBootstrap(CONFIG, memoryHost({ "mapping.config.yaml": config, ...files }, env));
}

function formatted(config: string, env: Record<string, string> = {}): string[] {
  const { bootstrap, errors } = read(config, env);
  expect(bootstrap).toBeUndefined();
  return errors.map((e) => e.format());
}

describe("the bootstrap read of mapping.config.yaml (what serve needs before the project loads)", () => {
  it("gives the store and the reload source, typed, and nothing else of the file", () => {
    const config = `${BASE_CONFIG}store: { url: "postgres://db/koppel" }\nreload: { git: /srv/mappings.git, branch: live, pollEvery: 30s }\n`;
    const { bootstrap, errors } = read(config);
    expect(errors).toEqual([]);
    expect(bootstrap).toEqual({ store: { url: "postgres://db/koppel" }, reload: { git: "/srv/mappings.git", branch: "live", pollEvery: "30s" } });
  });

  it("is empty when the config names neither", () => {
    expect(read(BASE_CONFIG)).toEqual({ bootstrap: {}, errors: [] });
  });

  it("resolves ${env:}, ${env:NAME:-default} and ${file:} as the full load does", () => {
    const config = `${BASE_CONFIG}store: { url: "\${env:DB_URL}" }\nreload: { watch: "\${file:watch-dir.txt}", pollEvery: "\${env:POLL:-2m}" }\n`;
    const { bootstrap, errors } = read(config, { DB_URL: "postgres://db/from-env" }, { "watch-dir.txt": "/srv/mappings\n" });
    expect(errors).toEqual([]);
    expect(bootstrap).toEqual({ store: { url: "postgres://db/from-env" }, reload: { watch: "/srv/mappings", pollEvery: "2m" } });
  });

  it("leaves the other keys' references to the full load: unset connection secrets do not stop it", () => {
    const config = `${BASE_CONFIG}store: { url: "sqlite:./data/koppel.db" }\n`;
    expect(read(config, {}).errors).toEqual([]);
  });

  it("an unset variable in store.url is an error at its file:line:col, not a silent default store", () => {
    const config = `${BASE_CONFIG}store: { url: "\${env:DB_URL}" }\n`;
    expect(formatted(config)).toEqual([`mapping.config.yaml:${positionOf(config, "${env:DB_URL}")} ENV_MISSING environment variable DB_URL is not set (referenced as \${env:DB_URL})`]);
  });

  it("checks the values against config.schema.json with positions", () => {
    const config = `${BASE_CONFIG}reload: { git: /srv/m.git, pollEvery: soon }\nstore: { uri: "sqlite:x.db" }\n`;
    expect(formatted(config)).toEqual([
      expect.stringMatching(new RegExp(`^mapping\\.config\\.yaml:${positionOf(config, "soon")} INVALID_VALUE reload\\.pollEvery must be a duration: a whole number and a unit \\(ms, s, m, h\\), such as "1m"; not "soon"$`)),
      expect.stringMatching(new RegExp(`^mapping\\.config\\.yaml:${positionOf(config, "uri")} UNKNOWN_KEY unknown key "uri" in store \\(did you mean "url"\\?\\)`)),
    ]);
  });

  it("a wrong type under a bootstrap key is a WRONG_TYPE at its position", () => {
    const config = `${BASE_CONFIG}store: { url: 5 }\n`;
    expect(formatted(config)).toEqual([`mapping.config.yaml:${positionOf(config, "5 }")} WRONG_TYPE store.url must be string, not number 5`]);
  });

  it("an alias bomb is refused with file:line:col, not yaml's raw message", () => {
    // Each level holds ten of the one before: a million copies of `x` from seven short lines.
    const names = ["a", "b", "c", "d", "e", "f", "g"];
    const bomb = names.map((name, i) => `${name}: &${name} [${Array(10).fill(i ? `*${names[i - 1]}` : "x").join(", ")}]`).join("\n");
    const config = `${bomb}\nstore: { url: "sqlite:x.db" }\n`;
    expect(formatted(config)).toEqual([expect.stringMatching(new RegExp(`^mapping\\.config\\.yaml:${positionOf(config, "*a")} YAML_ALIASES `))]);
  });

  it("a YAML syntax error and a missing file are coded and placed", () => {
    const syntax = formatted("store: { url: [\n");
    expect(syntax.length).toBeGreaterThan(0);
    for (const line of syntax) expect(line).toMatch(/^mapping\.config\.yaml:1:\d+ YAML_SYNTAX .*: this [[{] is not closed$/);
    const { errors } = readBootstrap("/project/absent.yaml", memoryHost({}));
    expect(errors.map((e) => e.format())).toEqual([expect.stringMatching(/FILE_MISSING absent\.yaml does not exist/)]);
  });
});
