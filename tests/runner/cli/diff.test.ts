import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diffCommand } from "../../../runner/cli/diff.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { testCommand } from "../../../runner/cli/test.ts";
import { ScratchRepo } from "../integrator/scratch-repo.ts";

const DEBTOR_FLOW = "mappings/customers/customer-to-afas-debtor.flow.yaml";
const SUITE = "mappings/orders/aspos-order-to-afas.test.yaml";
const NEW_DEBTOR = "sales order for a new person debtor, order date in Amsterdam time, line discount";

let repo: ScratchRepo;
beforeEach(() => {
  repo = new ScratchRepo();
});
afterEach(() => repo.remove());

/** The one-line change every test makes: AFAS gets the last name in capitals. */
function uppercaseLastName(): void {
  repo.edit(DEBTOR_FLOW, "LaNm: customer.lastName", "LaNm: $uppercase(customer.lastName)");
}

describe("koppel diff", () => {
  it("shows the one changed field of the affected case, the others as unchanged, and fails on a newly failing case", async () => {
    uppercaseLastName();
    const io = bufferIO();
    expect(await diffCommand(["--base", "main"], io, repo.dir)).toBe(1);
    const sha = repo.git("rev-parse", "--short=7", "main").trim();
    expect(io.stdout()).toBe(
      [
        `koppel diff main (${sha}) → working tree`,
        "",
        SUITE,
        `  ✗ ${NEW_DEBTOR} (newly failing)`,
        "      debtor.created (afas.KnSalesRelationPer insert)",
        '        payload.KnPerson.LaNm: "Berg" → "BERG"',
        '      fails: effects[0].payload.KnPerson.LaNm: expected "Berg", actual "BERG"',
        "",
        "1 changed, 4 unchanged, 1 newly failing (--all lists the unchanged)",
        "",
      ].join("\n"),
    );
    const all = bufferIO();
    await diffCommand(["--base", "main", "--all"], all, repo.dir);
    expect(all.stdout()).toContain(["  = existing debtor found by email is reused, no debtor insert (unchanged)", "  = order already in AFAS is skipped (unchanged)"].join("\n"));
    expect(all.stdout()).toContain("\n1 changed, 4 unchanged, 1 newly failing\n");
    // The repository is left as it was: no worktree stays registered.
    expect(repo.git("worktree", "list").trim().split("\n")).toHaveLength(1);
  });

  it("compares two commits; with the golden updated the change is shown and nothing fails (markdown for a PR)", async () => {
    uppercaseLastName();
    expect(await testCommand(["mappings", "--update"], bufferIO(), repo.dir)).toBe(0);
    repo.git("checkout", "--quiet", "-b", "pr");
    const head = repo.commit("last names in capitals");
    const io = bufferIO();
    expect(await diffCommand(["--base", "main", "--head", "pr", "--format", "markdown"], io, repo.dir)).toBe(0);
    const out = io.stdout();
    expect(out).toContain(`→ \`pr (${head.slice(0, 7)})\``);
    expect(out).toContain("**1 changed, 4 unchanged, 0 newly failing**");
    expect(out).toContain(`#### ~ ${NEW_DEBTOR}`);
    expect(out).toContain('| debtor.created (afas.KnSalesRelationPer insert) | `payload.KnPerson.LaNm` | `"Berg"` | `"BERG"` |');
    expect(out).toContain("<details><summary>4 unchanged cases</summary>");
  });

  it("--format json lists every case with its status and field changes", async () => {
    uppercaseLastName();
    const io = bufferIO();
    await diffCommand(["--base", "main", "--format", "json"], io, repo.dir);
    const report = JSON.parse(io.stdout());
    expect(report.summary).toEqual({ changed: 1, unchanged: 4, added: 0, removed: 0, newlyFailing: 1, fixed: 0 });
    const changed = report.cases.find((c: { name: string }) => c.name === NEW_DEBTOR);
    expect(changed.effects).toEqual([
      { effect: "debtor.created", send: "afas.KnSalesRelationPer", op: "insert", change: "changed", fields: [{ path: "payload.KnPerson.LaNm", before: "Berg", after: "BERG" }] },
    ]);
  });

  it("a write that appears or disappears is matched by step, so the other writes of the case do not shift", async () => {
    // The default debtor now applies to every order: no debtor is created, the order write stays.
    repo.edit("mapping.config.yaml", "defaultDebtor: null", 'defaultDebtor: "99999"');
    const io = bufferIO();
    await diffCommand(["--base", "main", "--format", "json"], io, repo.dir);
    const changed = JSON.parse(io.stdout()).cases.find((c: { name: string }) => c.name === NEW_DEBTOR);
    expect(changed.effects.map((e: { effect: string; change: string }) => `${e.effect} ${e.change}`)).toEqual(["order changed", "debtor.created removed"]);
    expect(changed.effects[0].fields).toEqual([{ path: "payload.DbId", before: "20045", after: "99999" }]);
  });

  it("a head that does not load fails, even when the base does not load either", async () => {
    const io = bufferIO();
    expect(await diffCommand(["--base", "main", "--config", "nope.yaml"], io, repo.dir)).toBe(1);
    expect(io.stdout()).toContain("\nworking tree does not load:\n  FILE_MISSING nope.yaml does not exist\n");
    expect(io.stderr()).toBe("koppel diff: working tree does not load (1 problem(s), listed in the report)\n");
  });

  it("a new test file at the head that does not load fails, though no case that passed at the base is lost", async () => {
    repo.write("mappings/customers/customer-to-afas-debtor.test.yaml", "cases: [\n");
    const io = bufferIO();
    expect(await diffCommand(["--base", "main", "--format", "markdown"], io, repo.dir)).toBe(1);
    expect(io.stdout()).toContain("**0 changed, 5 unchanged, 0 newly failing**");
    expect(io.stdout()).toContain("`working tree` does not load:");
    expect(io.stderr()).toBe("koppel diff: working tree does not load (1 problem(s), listed in the report)\n");
  });

  it("a base that does not load is allowed (a new repository): the head's cases are added and pass", async () => {
    repo.write("new.config.yaml", repo.read("mapping.config.yaml"));
    const io = bufferIO();
    expect(await diffCommand(["--base", "main", "--config", "new.config.yaml", "--format", "json"], io, repo.dir)).toBe(0);
    const report = JSON.parse(io.stdout());
    expect(report.base.errors).toEqual(["FILE_MISSING new.config.yaml does not exist"]);
    expect(report.head.errors).toEqual([]);
    expect(report.summary).toEqual({ changed: 0, unchanged: 0, added: 5, removed: 0, newlyFailing: 0, fixed: 0 });
    expect(io.stderr()).toBe("");
  });

  it("paths that hold no case at either revision (a typo, a flow file) fail it instead of comparing nothing", async () => {
    for (const path of ["mappings/ordrs", "mappings/orders/aspos-order-to-afas.flow.yaml"]) {
      const io = bufferIO();
      expect(await diffCommand(["--base", "main", path], io, repo.dir), path).toBe(1);
      expect(io.stderr()).toBe(`koppel diff: no *.test.yaml under ${path} at either revision\n`);
    }
    const io = bufferIO();
    expect(await diffCommand(["--base", "main", "mappings/orders"], io, repo.dir)).toBe(0);
  });

  it("an unknown revision is a usage error", async () => {
    const io = bufferIO();
    expect(await diffCommand(["--base", "no-such-branch"], io, repo.dir)).toBe(2);
    expect(io.stderr()).toContain("unknown revision no-such-branch");
  });
});
