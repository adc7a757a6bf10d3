import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../runner/cli.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { runnerUrl } from "../../../runner/cli/runner-api.ts";
import { shadowCommand } from "../../../runner/cli/shadow.ts";
import { ADMIN, closeFakes, fakeShadow, REFUSAL, REFUSED_REF, result, shadowApp, shaOf, T0, type FakeShadow } from "../server/shadow-fake.ts";

/** A runner's HTTP surface on a real localhost port, its shadow control faked: the CLI speaks HTTP to it. */
async function listen(app: ReturnType<typeof shadowApp>): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((r) => server.close(() => r())) }));
  });
}

describe("koppel shadow", () => {
  let shadow: FakeShadow;
  let runner: { url: string; close: () => Promise<void> };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    shadow = await fakeShadow();
    runner = await listen(shadowApp(shadow));
    env = { KOPPEL_URL: runner.url, KOPPEL_ADMIN_TOKEN: ADMIN };
  });
  afterAll(async () => {
    await runner?.close();
    await closeFakes();
  });

  const run = async (argv: string[], withEnv: NodeJS.ProcessEnv = env) => {
    const io = bufferIO();
    const code = await shadowCommand(argv, io, withEnv);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  it("start asks the runner at KOPPEL_URL for the candidate, as the CLI, with period and read budget", async () => {
    const { code, out, err } = await run(["start", "ideal-payment-type", "--for", "24h", "--read-budget", "2"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(shadow.starts.at(-1)).toEqual({ ref: "ideal-payment-type", forMs: 86_400_000, readBudget: 2, by: "cli" });
    expect(out).toContain(`shadowing ideal-payment-type (${shaOf("ideal-payment-type").slice(0, 12)}) since 2026-12-03 09:00:00 UTC, until 2026-12-04 09:00:00 UTC, read budget 2, started by cli`);
    expect(out).toContain(`${runner.url}/shadow`);
  });

  it("a refused candidate prints the runner's file:line:col lines and exits 1", async () => {
    const { code, out, err } = await run(["start", REFUSED_REF]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain(REFUSAL[0]);
    expect(err).toContain(`koppel shadow: ${REFUSED_REF} was refused (fix the errors above); what was shadowed before, if anything, is still shadowed`);
    const status = await run(["status"]);
    expect(status.out).toContain(`candidate ${REFUSED_REF} was refused at 2026-12-03 09:00:00 UTC:\n  ${REFUSAL[0]}`);
    // With --format json, a tool gets the API's refusal on stdout as well.
    const json = await run(["start", REFUSED_REF, "--format", "json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ error: { code: "SHADOW_REFUSED" }, errors: [REFUSAL[0]] });
  });

  it("status prints the candidate, the counts per verdict, dropped events and recent results; --format json gives the API's answer", async () => {
    await run(["start", "feature"]);
    const sha = shaOf("feature");
    await shadow.add(result("run-1", sha, "same", T0 + 1000), result("run-2", sha, "different", T0 + 2000), result("run-3", sha, "shadow failed", T0 + 3000, { reason: "EXPR_RUNTIME $number() of 'x'" }));
    shadow.dropped = 4;
    const { code, out } = await run(["status"]);
    expect(code).toBe(0);
    expect(out).toContain(`shadowing feature (${sha.slice(0, 12)}) since 2026-12-03 09:00:00 UTC, until stopped, read budget 0, started by cli`);
    expect(out).toContain("1 same, 1 different, 0 newly failing, 0 newly passing, 0 not comparable, 1 shadow failed; 4 dropped (backlog full)");
    expect(out).toMatch(/^ {2}2026-12-03 09:00:03 {2}run-3 {2}order-to-afas {2}shadow failed: EXPR_RUNTIME \$number\(\) of 'x'$/m);
    expect(out.indexOf("run-3")).toBeLessThan(out.indexOf("run-1"));
    const json = JSON.parse((await run(["status", "--format", "json"])).out) as { candidate: { sha: string }; counts: { different: number }; results: unknown[] };
    expect(json.candidate.sha).toBe(sha);
    expect(json.counts.different).toBe(1);
    expect(json.results).toHaveLength(3);
  });

  it("stop stops in one call; a second says nothing was shadowed; status then says how to start one", async () => {
    await run(["start", "feature"]);
    expect(await run(["stop"])).toMatchObject({ code: 0, out: "stopped shadowing; its results stay readable\n" });
    expect(await run(["stop"])).toMatchObject({ code: 0, out: "nothing was being shadowed\n" });
    const { out } = await run(["status"]);
    expect(out).toContain("nothing is being shadowed; start with: koppel shadow start <ref> [--for 24h]");
  });

  it("a runner that is not there: names the URL and how to point elsewhere, exit 1", async () => {
    const gone = await listen(shadowApp(await fakeShadow()));
    await gone.close();
    const { code, err } = await run(["status", "--url", gone.url]);
    expect(code).toBe(1);
    expect(err).toContain(`koppel shadow: cannot reach the runner at ${gone.url} (ECONNREFUSED): is koppel serve running there? Point --url or KOPPEL_URL at it`);
  });

  it("without KOPPEL_ADMIN_TOKEN, or with a wrong one, says which token it needs (exit 1)", async () => {
    const missing = await run(["status"], { KOPPEL_URL: runner.url });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("KOPPEL_ADMIN_TOKEN is not set");
    // A mistyped option is a usage error first, token or not: nothing was done either way.
    const typo = await run(["start", "main", "--for", "90s"], { KOPPEL_URL: runner.url });
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/--for takes a whole number/);
    expect(typo.err).not.toContain("is not set");
    const wrong = await run(["status"], { KOPPEL_URL: runner.url, KOPPEL_ADMIN_TOKEN: "not-the-token" });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`the runner at ${runner.url} refused the admin token: set KOPPEL_ADMIN_TOKEN to the token the runner was started with`);
  });

  it("a runner without shadow support is named as such", async () => {
    const old = await listen(shadowApp());
    try {
      const { code, err } = await run(["status", "--url", old.url]);
      expect(code).toBe(1);
      expect(err).toContain(`${old.url} answers 404 for the admin API`);
    } finally {
      await old.close();
    }
  });

  it.each([
    [[], /expected start <ref>, stop or status/],
    [["begin", "x"], /unknown subcommand begin/],
    [["start"], /start takes one git ref/],
    [["start", "a", "b"], /start takes one git ref/],
    [["stop", "now"], /stop takes no arguments/],
    [["stop", "--for", "1h"], /--for and --read-budget go with start/],
    [["start", "main", "--for", "24"], /--for takes a whole number of minutes, hours or days .*\(got "24"\)/],
    [["start", "main", "--for", "30s"], /--for takes a whole number of minutes, hours or days/],
    [["start", "main", "--read-budget", "two"], /--read-budget takes a whole number/],
    [["start", "--", "-main"], /<ref>: "-main" is not a git ref/],
    [["status", "--url", "not a url"], /--url takes an http\(s\) URL/],
  ])("koppel shadow %j is a usage error (exit 2) and asks the runner nothing", async (argv, reason) => {
    const before = shadow.starts.length;
    const { code, err } = await run(argv);
    expect(code).toBe(2);
    expect(err).toMatch(reason);
    expect(err).toContain("usage: koppel shadow start <ref> | stop | status");
    expect(shadow.starts.length).toBe(before);
  });

  it("is a koppel command with help, and defaults to where koppel serve listens", async () => {
    const io = bufferIO();
    expect(await main(["shadow", "--help"], io)).toBe(0);
    expect(io.stdout()).toContain("--read-budget <N>");
    expect(runnerUrl(undefined, {})).toBe("http://127.0.0.1:8080");
    expect(runnerUrl(undefined, { PORT: "9000" })).toBe("http://127.0.0.1:9000");
    expect(runnerUrl("http://runner.internal:8080/", { KOPPEL_URL: "http://other" })).toBe("http://runner.internal:8080");
  });
});
