import type { ShadowCandidate, ShadowResult, ShadowStatus } from "../shadow/types.ts";
import { SHADOW_VERDICTS } from "../store/shadow-verdicts.ts";
import { shortSha, when } from "../format.ts";
import { isProblem, parseShadowRequest } from "../server/shadow-request.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { callRunner, refusalOf, runnerUrl } from "./runner-api.ts";

/**
 * Shadowing happens inside the running runner, so this command only talks to its admin API
 * (/api/shadow) with KOPPEL_ADMIN_TOKEN; nothing is loaded or stored here.
 */
export const SHADOW = command({
  name: "shadow",
  positionals: "start <ref> | stop | status",
  summary: "Run a candidate mapping version (a git ref) beside the live one on every live event and compare what it would send, without sending it. Talks to the running runner's admin API with KOPPEL_ADMIN_TOKEN.",
  options: {
    for: { type: "string", value: "duration", help: "start: how long to shadow: 30m, 24h, 7d (default: until stopped or replaced)" },
    "read-budget": { type: "string", value: "N", help: "start: live read-only calls per run for reads the live run did not make (default 0: none)" },
    url: { type: "string", value: "url", help: "the runner (default $KOPPEL_URL, else http://127.0.0.1:$PORT, port 8080 without $PORT)" },
    format: { type: "string", choices: ["text", "json"], help: "json: the API's answer as it came, for tools (default text)" },
  },
});

// Starting checks the candidate out, compiles it and runs its fixture cases before answering.
const START_TIMEOUT_MS = 120_000;
const TIMEOUT_MS = 15_000;
const RECENT = 10;

const OPTION_OF: Record<string, string> = { for: "--for", readBudget: "--read-budget", ref: "<ref>" };

export async function shadowCommand(argv: readonly string[], io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseCommand(SHADOW, argv, io);
  if (typeof args === "number") return args;
  const [sub, ...rest] = args.positionals;
  const v = args.values;
  if (sub !== "start" && sub !== "stop" && sub !== "status") return usageError(SHADOW, io, sub === undefined ? "expected start <ref>, stop or status" : `unknown subcommand ${sub}; expected start, stop or status`);
  if (rest.length !== (sub === "start" ? 1 : 0)) return usageError(SHADOW, io, sub === "start" ? "start takes one git ref: koppel shadow start <ref>" : `${sub} takes no arguments`);
  if (sub !== "start" && (v.for !== undefined || v["read-budget"] !== undefined)) return usageError(SHADOW, io, "--for and --read-budget go with start");
  const url = runnerUrl(v.url, env);
  if (!URL.canParse(url)) return usageError(SHADOW, io, `--url takes an http(s) URL (got ${url})`);
  // Checked here as the runner checks it, and before the token, so a typo is a usage error before anything is asked.
  const budget = v["read-budget"];
  const body = { ref: rest[0], by: "cli", ...(v.for !== undefined ? { for: v.for } : {}), ...(budget !== undefined ? { readBudget: /^\d+$/.test(budget) ? Number(budget) : budget } : {}) };
  const request = sub === "start" ? parseShadowRequest(body) : undefined;
  if (request && isProblem(request)) return usageError(SHADOW, io, inOptionTerms(request.field, request.reason));
  const token = env.KOPPEL_ADMIN_TOKEN;
  if (!token) {
    io.err("koppel shadow: KOPPEL_ADMIN_TOKEN is not set; this command uses the runner's admin API with the token the runner was started with");
    return 1;
  }
  const json = v.format === "json";

  if (sub === "start" && request) {
    const answer = await callRunner(url, token, "POST", "/api/shadow", { body, timeoutMs: START_TIMEOUT_MS });
    if ("unreachable" in answer) return failed(io, answer.unreachable);
    // A tool reading --format json gets the refusal (its code and errors) as the API gave it, too.
    if (json && answer.status !== 200) io.out(JSON.stringify(answer.body, null, 2));
    if (answer.status === 422) {
      for (const line of (answer.body as { errors?: string[] }).errors ?? []) io.err(line);
      return failed(io, `${request.ref} was refused (fix the errors above); what was shadowed before, if anything, is still shadowed`);
    }
    if (answer.status !== 200) return failed(io, refusalOf(url, answer));
    const { candidate } = answer.body as { candidate: ShadowCandidate };
    io.out(json ? JSON.stringify(answer.body, null, 2) : `shadowing ${describe(candidate)}\nsee koppel shadow status, or ${url}/shadow`);
    return 0;
  }

  if (sub === "stop") {
    const answer = await callRunner(url, token, "DELETE", "/api/shadow", { timeoutMs: TIMEOUT_MS });
    if ("unreachable" in answer) return failed(io, answer.unreachable);
    if (answer.status !== 200) return failed(io, refusalOf(url, answer));
    io.out(json ? JSON.stringify(answer.body, null, 2) : (answer.body as { stopped: boolean }).stopped ? "stopped shadowing; its results stay readable" : "nothing was being shadowed");
    return 0;
  }

  const answer = await callRunner(url, token, "GET", `/api/shadow?limit=${RECENT}`, { timeoutMs: TIMEOUT_MS });
  if ("unreachable" in answer) return failed(io, answer.unreachable);
  if (answer.status !== 200) return failed(io, refusalOf(url, answer));
  io.out(json ? JSON.stringify(answer.body, null, 2) : statusText(answer.body as ShadowStatus & { results: ShadowResult[] }));
  return 0;
}

/** The runner's reason names its API field ("for takes …"); here the option stands in its place. */
function inOptionTerms(field: string, reason: string): string {
  const option = OPTION_OF[field] ?? field;
  return reason.startsWith(`${field} `) ? `${option}${reason.slice(field.length)}` : `${option}: ${reason}`;
}

function failed(io: CliIO, message: string): number {
  io.err(`koppel shadow: ${message}`);
  return 1;
}

function describe(c: ShadowCandidate): string {
  return `${c.ref} (${shortSha(c.sha)}) since ${when(c.startedAt)} UTC, ${c.until ? `until ${when(c.until)} UTC` : "until stopped"}, read budget ${c.readBudget}, started by ${c.by}`;
}

function statusText(s: ShadowStatus & { results: readonly ShadowResult[] }): string {
  const lines = s.candidate
    ? [`shadowing ${describe(s.candidate)}`, `${SHADOW_VERDICTS.map((v) => `${s.counts?.[v] ?? 0} ${v}`).join(", ")}; ${s.dropped} dropped (backlog full)`]
    : ["nothing is being shadowed; start with: koppel shadow start <ref> [--for 24h]"];
  if (s.refused) lines.push(`candidate ${s.refused.ref} was refused at ${when(s.refused.at)} UTC:`, ...s.refused.errors.map((e) => `  ${e}`));
  if (s.results.length) {
    lines.push(s.candidate ? "recent results:" : "recent results of earlier candidates:");
    for (const r of s.results) lines.push(`  ${when(r.createdAt)}  ${r.runId}  ${r.flow}  ${r.verdict}${r.reason ? `: ${r.reason}` : ""}`);
  }
  return lines.join("\n");
}
