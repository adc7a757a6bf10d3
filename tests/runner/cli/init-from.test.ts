import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initCommand } from "../../../runner/cli/init.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { REPO } from "../integrator/scratch-repo.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-init-from-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const dependency = (repo: string): unknown => JSON.parse(readFileSync(join(dir, repo, "package.json"), "utf8")).devDependencies;

describe("koppel init: the dependency it writes", () => {
  it("without --from: this Koppel's version as a registry range", async () => {
    const version = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;
    const io = bufferIO();
    expect(await initCommand(["repo", "--no-install"], io, dir)).toBe(0);
    expect(dependency("repo")).toEqual({ koppel: `^${version}` });
    expect(JSON.parse(readFileSync(join(dir, "repo/package.json"), "utf8")).name).toBe("repo");
    expect(io.stdout()).toContain("next: cd repo && npm install && npx koppel validate --lenient-env && npx koppel test");
  });

  it("a tarball is copied into vendor/ and named relative to the repository, so a clone installs it", async () => {
    const tarball = join(dir, "koppel-9.9.9.tgz");
    writeFileSync(tarball, "not really a tarball");
    expect(await initCommand(["repo", "--from", tarball, "--no-install"], bufferIO(), dir)).toBe(0);
    expect(dependency("repo")).toEqual({ koppel: "file:vendor/koppel-9.9.9.tgz" });
    expect(readFileSync(join(dir, "repo/vendor/koppel-9.9.9.tgz"), "utf8")).toBe("not really a tarball");
  });

  it("the vendored tarball is listed like every other file it created, from where init ran", async () => {
    const tarball = join(dir, "koppel-9.9.9.tgz");
    writeFileSync(tarball, "not really a tarball");
    const io = bufferIO();
    expect(await initCommand(["repo", "--from", tarball, "--no-install"], io, dir)).toBe(0);
    const created = io.stdout().split("\n").filter((l) => l.startsWith("created "));
    expect(created).toContain("created repo/vendor/koppel-9.9.9.tgz");
    expect(created.filter((l) => !l.startsWith("created repo/"))).toEqual([]);
    for (const line of created) expect(existsSync(join(dir, line.slice("created ".length))), line).toBe(true);
  });

  it("a folder is linked by its relative path; a git URL is written as given", async () => {
    mkdirSync(join(dir, "koppel"));
    expect(await initCommand(["a", "--from", "koppel", "--no-install"], bufferIO(), dir)).toBe(0);
    expect(dependency("a")).toEqual({ koppel: "file:../koppel" });
    const git = "git+https://example.com/koppel.git#v0.1.0";
    expect(await initCommand(["b", "--from", git, "--no-install"], bufferIO(), dir)).toBe(0);
    expect(dependency("b")).toEqual({ koppel: git });
  });

  it("a --from path that does not exist writes nothing", async () => {
    const io = bufferIO();
    expect(await initCommand(["repo", "--from", "nowhere.tgz", "--no-install"], io, dir)).toBe(1);
    expect(io.stderr()).toContain("--from nowhere.tgz: no such file or folder");
    expect(existsSync(join(dir, "repo"))).toBe(false);
  });
});
