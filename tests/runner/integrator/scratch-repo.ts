import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../../..");
export const MINI_PROJECT = join(REPO, "tests/fixtures/mini-project");

/** A throw-away git repository (branch main) holding a copy of a folder, committed once. */
export class ScratchRepo {
  readonly dir: string;

  constructor(from: string = MINI_PROJECT) {
    this.dir = mkdtempSync(join(tmpdir(), "koppel-scratch-"));
    cpSync(from, this.dir, { recursive: true });
    this.git("init", "--quiet", "--initial-branch=main");
    this.commit("initial mappings");
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), "utf8");
  }

  write(file: string, text: string): void {
    writeFileSync(join(this.dir, file), text);
  }

  /** Replaces `from`, which must occur exactly once. */
  edit(file: string, from: string, to: string): void {
    const text = this.read(file);
    if (text.split(from).length !== 2) throw new Error(`${file} does not contain ${from} exactly once`);
    this.write(file, text.replace(from, to));
  }

  commit(message: string): string {
    this.git("add", "-A");
    this.git("commit", "--quiet", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD").trim();
  }

  git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: this.dir, encoding: "utf8" });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
