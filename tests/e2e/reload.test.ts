import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIO } from "../../runner/cli/io.ts";
import { testCommand } from "../../runner/cli/test.ts";
import { startRuntime, type Runtime } from "../../runner/serve/runtime.ts";
import { ADMIN_TOKEN, freePort, orderWebhook, scratchProject, setEnv, startSimulators, waitFor, type Simulators } from "../../bench/support/harness.ts";

const FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";

/** The runner follows a git branch; a bad commit never replaces the running version. */
describe("hot reload from git while serving", () => {
  let sims: Simulators;
  let runtime: Runtime;
  let repo: string;
  let restoreEnv: () => void;
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
  const commitAll = (message: string) => {
    git("add", "-A");
    git("-c", "user.name=Integrator", "-c", "user.email=integrator@example.nl", "commit", "--quiet", "-m", message);
    return git("rev-parse", "HEAD");
  };
  const edit = (file: string, from: string, to: string) => {
    const text = readFileSync(join(repo, file), "utf8");
    expect(text).toContain(from);
    writeFileSync(join(repo, file), text.replace(from, to));
  };
  const api = async (path: string, method = "GET") => {
    const res = await fetch(`${runtime.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    sims = await startSimulators();
    restoreEnv = setEnv(sims.env);
    repo = scratchProject();
    writeFileSync(join(repo, ".gitignore"), "data/\n");
    writeFileSync(join(repo, "mapping.config.yaml"), `${readFileSync(join(repo, "mapping.config.yaml"), "utf8")}reload: { git: ".", branch: main, pollEvery: 1h }\n`);
    git("init", "--quiet", "--initial-branch=main");
    commitAll("first mappings");
    runtime = await startRuntime({
      configPath: join(repo, "mapping.config.yaml"),
      port: await freePort(),
      adminToken: ADMIN_TOKEN,
      storeUrl: `sqlite:${join(repo, "data/koppel.db")}`,
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await sims.close();
    restoreEnv();
  });

  it("keeps serving the old version on a bad commit and shows file:line:col; takes a good commit without restart", async () => {
    const first = git("rev-parse", "HEAD");
    expect(runtime.versions.current().sha).toBe(first);

    edit(FLOW, "DbId: \"$settings.defaultDebtor ? $settings.defaultDebtor : $steps.debtor.DbId\"", "DbId: \"$settings.defaultDebtor ? $settings.defaultDebtor : $steps.debtr.DbId\"");
    const bad = commitAll("typo in the debtor reference");
    // 422, so the merge job's `curl --fail-with-body` fails with the errors instead of passing.
    const refused = await fetch(`${runtime.url}/api/reload`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ ok: false, activated: false, sha: bad });
    const status = await api("/api/status");
    const version = status.version as { activeSha: string; lastResult: { errors: string[] } };
    expect(version.activeSha).toBe(first);
    expect(version.lastResult.errors).toEqual([expect.stringMatching(new RegExp(`^${FLOW.replaceAll(".", "\\.")}:\\d+:\\d+ UNKNOWN_STEP \\$steps\\.debtr`))]);

    // The old version still runs events.
    const before = orderWebhook("RELOAD-1", "evt-reload-1");
    expect((await fetch(`${runtime.url}/webhooks/aspos`, { method: "POST", body: before.body, headers: before.headers })).status).toBe(202);

    edit(FLOW, "$steps.debtr.DbId", "$steps.debtor.DbId");
    edit(FLOW, "Re: remarks", "Re: \"'via Koppel: ' & number\"");
    expect(await testCommand(["mappings", "--update"], bufferIO(), repo)).toBe(0);
    const good = commitAll("order remark says where it came from");
    expect(await api("/api/reload", "POST")).toMatchObject({ ok: true, activated: true, sha: good });
    expect(runtime.versions.current().sha).toBe(good);
    // The replica list a rollout is checked against says so at once, not at the next heartbeat.
    await waitFor(async () => ((await api("/api/status")).replicas as { version: string }[])[0]?.version === good, 2_000);

    const after = orderWebhook("RELOAD-2", "evt-reload-2");
    expect((await fetch(`${runtime.url}/webhooks/aspos`, { method: "POST", body: after.body, headers: after.headers })).status).toBe(202);
    await waitFor(async () => (await runtime.queue.depth()).total === 0, 30_000);

    const runs = await runtime.store.listRuns({ flow: "aspos-order-to-afas", limit: 10 });
    const byNumber = (n: string) => runs.find((r) => r.searchText?.includes(n));
    expect(byNumber("RELOAD-1")).toMatchObject({ status: "done", version: first });
    expect(byNumber("RELOAD-2")).toMatchObject({ status: "done", version: good });
    // What AFAS received follows the version each event ran on.
    const orders = [...sims.afas.state.data.salesOrders.values()];
    expect(orders.find((o) => o.ExternalNumber === "RELOAD-1")?.fields.Re).toBeUndefined();
    expect(orders.find((o) => o.ExternalNumber === "RELOAD-2")?.fields.Re).toBe("via Koppel: RELOAD-2");
  }, 90_000);

  it("a restart on a broken branch head runs the last good version and says so in its log (the reloader then stays quiet)", async () => {
    const good = runtime.versions.current().sha;
    await runtime.stop();
    edit(FLOW, "Re: \"'via Koppel: ' & number\"", "Re: $steps.nothere.x");
    const bad = commitAll("a broken head");
    const lines: string[] = [];
    runtime = await startRuntime({
      configPath: join(repo, "mapping.config.yaml"),
      port: await freePort(),
      adminToken: ADMIN_TOKEN,
      storeUrl: `sqlite:${join(repo, "data/koppel.db")}`,
      log: (line) => lines.push(line),
    });
    expect(runtime.versions.current().sha).toBe(good);
    const said = lines.find((l) => l.startsWith("reload: the branch head"));
    expect(said).toContain(`reload: the branch head ${bad.slice(0, 12)} was rejected at start; running the last good version ${good.slice(0, 12)}:`);
    expect(said).toContain("UNKNOWN_STEP $steps.nothere");
  }, 90_000);
});
