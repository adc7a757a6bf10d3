import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, ERROR_CODES, InternalError, OperatorError, UpstreamError } from "../../common/errors.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const sources = ["common", "engine", "runner"].flatMap((dir) =>
  (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => join(ROOT, dir, f)),
);
const code = (file: string) => readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");

/** Where a code is written as a literal: `code: "X"`, `new SomeError("X"`, `super("X"`, `errorBody("X"`, `"X" satisfies ErrorCode`. */
const CODE_LITERAL = /(?:\bcode\s*:\s*(?:ErrorCode\s*=\s*)?|\b(?:new \w*(?:Error|Refused)|super|errorBody)\(\s*)"([A-Z][A-Z0-9_]*)"|"([A-Z][A-Z0-9_]*)"\s+satisfies\s+ErrorCode/g;

function codesIn(text: string): string[] {
  return [...text.matchAll(CODE_LITERAL)].map((m) => m[1] ?? m[2] ?? "");
}

describe("the one error table", () => {
  it("has engine and runner sources to walk", () => {
    expect(sources.length).toBeGreaterThan(50);
  });

  it("holds every code the engine and runner write", () => {
    const missing = sources.flatMap((file) => codesIn(code(file)).filter((c) => !Object.hasOwn(ERROR_CODES, c)).map((c) => `${relative(ROOT, file)}: ${c}`));
    expect(missing).toEqual([]);
  });

  it("the walk finds the codes where they are written", () => {
    expect(codesIn(`return c.json({ error: { code: "UNAUTHORIZED", reason } });`)).toEqual(["UNAUTHORIZED"]);
    expect(codesIn(`throw new ConfigError("INVALID_VALUE", "x"); super("GIT_FAILED", m); const k = "RELOAD_REJECTED" satisfies ErrorCode;`)).toEqual(["INVALID_VALUE", "GIT_FAILED", "RELOAD_REJECTED"]);
    expect(codesIn(`throw new ReplayRefused("REPLAY_REFUSED", m); const code: ErrorCode = "TOO_MANY_ATTEMPTS";`)).toEqual(["REPLAY_REFUSED", "TOO_MANY_ATTEMPTS"]);
    expect(codesIn(`return c.json(errorBody("NO_SUCH_ROUTE", reason), 404);`)).toEqual(["NO_SUCH_ROUTE"]);
    const everyFile = sources.flatMap((file) => codesIn(code(file)));
    for (const written of ["UNAUTHORIZED", "RUN_NOT_FOUND", "REPLAY_REFUSED", "RELOAD_REJECTED", "TOO_MANY_ATTEMPTS", "GIT_FAILED"]) expect(everyFile).toContain(written);
  });

  it("no plain Error is thrown where a user or operator could see it", () => {
    // RunInterrupted is control flow inside the worker: the job goes back to the queue, nobody sees it.
    const allowed = ["common/errors.ts: extends Error", "common/errors.ts: extends Error", "runner/worker/lease.ts: extends Error"];
    const plain = sources.flatMap((file) =>
      [...code(file).matchAll(/\bnew (?:Type|Range|Syntax)?Error\(|\bextends Error\b/g)].map((m) => `${relative(ROOT, file)}: ${m[0]}`),
    );
    expect(plain).toEqual(allowed);
  });

  it("each error class says who acts as the table does for the codes it is built with", () => {
    expect(new ConfigError("RELOAD_REJECTED", "m").actor).toBe(ERROR_CODES.RELOAD_REJECTED.actor);
    expect(new OperatorError("GIT_FAILED", "m").actor).toBe(ERROR_CODES.GIT_FAILED.actor);
    expect(new OperatorError("REPLAY_REFUSED", "m").actor).toBe(ERROR_CODES.REPLAY_REFUSED.actor);
    expect(new InternalError("m").actor).toBe(ERROR_CODES.INTERNAL.actor);
    expect(new UpstreamError("UPSTREAM_UNAVAILABLE", "m", { connection: "afas" }).retryable).toBe(true);
  });
});
