import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../../..");
export const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
export const ORDER_TESTS = "mappings/orders/aspos-order-to-afas.test.yaml";

/**
 * A small fixed project (config, the first order flow, its cases): these tests edit known lines, so
 * they must not follow how the shipped mappings evolve.
 */
export function exportShippedMappings(dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, "tests/fixtures/mini-project"), dir, { recursive: true });
}

/** A scratch folder holding the mini project, optionally a git repo. */
export class ProjectDir {
  readonly root: string;
  readonly dir: string;

  constructor(readonly git: boolean) {
    this.root = mkdtempSync(join(tmpdir(), "koppel-reload-"));
    this.dir = join(this.root, "mappings-repo");
    exportShippedMappings(this.dir);
    if (git) {
      this.git_("init", "--quiet", "--initial-branch=main");
      this.commit("shipped mappings");
    }
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), "utf8");
  }

  /** Replaces `from` (which must occur) in a file; returns the 1-based line the replacement is on. */
  edit(file: string, from: string, to: string): number {
    const text = this.read(file);
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`${file} does not contain ${from}`);
    writeFileSync(join(this.dir, file), text.slice(0, at) + to + text.slice(at + from.length));
    return text.slice(0, at).split("\n").length;
  }

  commit(message: string): string {
    this.git_("add", "-A");
    this.git_("commit", "--quiet", "--allow-empty", "-m", message);
    return this.git_("rev-parse", "HEAD").trim();
  }

  git_(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], {
      cwd: this.dir,
      encoding: "utf8",
    });
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Collects callback values; `next` waits (bounded) for the next one not yet taken. */
export class Mailbox<T> {
  private readonly values: T[] = [];
  private waiter: (() => void) | undefined;

  readonly push = (value: T): void => {
    this.values.push(value);
    this.waiter?.();
  };

  async next(ms = 10_000): Promise<T> {
    if (!this.values.length) {
      await new Promise<void>((resolveWait, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing arrived within ${ms} ms`)), ms);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolveWait();
        };
      });
    }
    return this.values.shift()!;
  }

  get size(): number {
    return this.values.length;
  }
}
