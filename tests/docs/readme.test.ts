import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initCommand } from "../../runner/cli/init.ts";
import { validateCommand } from "../../runner/cli/validate.ts";
import { bufferIO } from "../../runner/cli/io.ts";

const REPO = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "koppel-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's YAML blocks that are whole flows (they start with the schema comment and `flow:`). */
function flowExamples(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((text) => /^flow: /m.test(text));
}

describe("README.md", () => {
  it("shows a flow that loads as written in a repository koppel init made", async () => {
    const examples = flowExamples(readFileSync(join(REPO, "README.md"), "utf8"));
    expect(examples.length).toBeGreaterThan(0);
    expect(await initCommand(["repo", "--no-install"], bufferIO(), dir)).toBe(0);
    const repo = join(dir, "repo");
    examples.forEach((text, i) => writeFileSync(join(repo, "mappings", `readme-${i}.flow.yaml`), text.replace(/^flow: .*$/m, `flow: readme-example-${i}`)));
    const io = bufferIO();
    const status = await validateCommand(["--lenient-env"], io, repo);
    expect(io.stderr() + io.stdout(), "koppel validate on the README's flow").not.toMatch(/ERROR|error|[A-Z_]{6,} /);
    expect(status).toBe(0);
  });
});
