import { createHash } from "node:crypto";
import type { EffectChange } from "../../../runner/integrator/compare.ts";
import { createApp } from "../../../runner/server/app.ts";
import type { ShadowDeps } from "../../../runner/server/shadow-api.ts";
import type { ShadowCandidate, ShadowCounts, ShadowFilter, ShadowResult, ShadowStart, ShadowVerdict } from "../../../runner/shadow/types.ts";
import { SHADOW_VERDICTS } from "../../../runner/shadow/verdicts.ts";

export const ADMIN = "admin-token-for-shadow-tests";
export const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

/** A refused ref answers with these lines, as a candidate with a bad key would. */
export const REFUSED_REF = "broken-branch";
export const REFUSAL = ["mappings/orders/order.flow.yaml:7:5 UNKNOWN_KEY key 'stps' is not part of the schema"];

export const shaOf = (ref: string) => createHash("sha1").update(ref).digest("hex");

export interface FakeShadow extends ShadowDeps {
  readonly starts: ShadowStart[];
  stops: number;
  results: ShadowResult[];
  dropped: number;
}

/**
 * A control and store that keep everything in memory: the HTTP surface, the CLI and the page are
 * tested against the contract in runner/shadow/types.ts, not against the executor.
 */
export function fakeShadow(now: () => number = () => T0): FakeShadow {
  let candidate: ShadowCandidate | null = null;
  const fake: FakeShadow = {
    starts: [],
    stops: 0,
    results: [],
    dropped: 0,
    control: {
      async start(request) {
        fake.starts.push(request);
        if (request.ref === REFUSED_REF) return { ok: false, errors: REFUSAL };
        const startedAt = now();
        candidate = {
          ref: request.ref,
          sha: shaOf(request.ref),
          startedAt,
          ...(request.forMs ? { until: startedAt + request.forMs } : {}),
          readBudget: request.readBudget ?? 0,
          by: request.by,
        };
        return { ok: true, candidate };
      },
      async stop() {
        fake.stops++;
        const was = candidate !== null;
        candidate = null;
        return was;
      },
      async status() {
        return { candidate, counts: candidate ? countsOf(fake.results, candidate.sha) : null, dropped: fake.dropped };
      },
    },
    store: {
      async listShadowResults(filter: ShadowFilter = {}) {
        return fake.results
          .filter((r) => (!filter.candidateSha || r.candidateSha === filter.candidateSha) && (!filter.verdict || r.verdict === filter.verdict) && (!filter.flow || r.flow === filter.flow))
          .filter((r) => !filter.before || r.createdAt < filter.before.createdAt || (r.createdAt === filter.before.createdAt && r.runId < filter.before.runId))
          .sort((a, b) => b.createdAt - a.createdAt || (a.runId < b.runId ? 1 : -1))
          .slice(0, filter.limit ?? 50);
      },
      async getShadowResult(runId, candidateSha) {
        return fake.results.find((r) => r.runId === runId && r.candidateSha === candidateSha) ?? null;
      },
    },
  };
  return fake;
}

function countsOf(results: readonly ShadowResult[], sha: string): ShadowCounts {
  const counts = Object.fromEntries(SHADOW_VERDICTS.map((v) => [v, 0])) as ShadowCounts;
  for (const r of results) if (r.candidateSha === sha) counts[r.verdict]++;
  return counts;
}

/** The payment-type change of the guide: live sent IDL, the candidate would send IDEAL. */
export const PAYMENT_CHANGE: EffectChange = {
  effect: "order",
  send: "afas.FbSales",
  op: "insert",
  change: "changed",
  fields: [
    { path: "payload.PaTp", before: "IDL", after: "IDEAL" },
    { path: "payload.RfCs", before: "***", after: "***" },
  ],
};

export function result(runId: string, candidateSha: string, verdict: ShadowVerdict, createdAt: number, extra: Partial<ShadowResult> = {}): ShadowResult {
  return {
    runId,
    flow: "order-to-afas",
    candidateSha,
    liveVersion: "live-sha",
    createdAt,
    verdict,
    effects: verdict === "different" ? [PAYMENT_CHANGE] : [],
    liveReads: 0,
    ...extra,
  };
}

/** The runner's HTTP app with only the shadow part real (its API; no dashboard). */
export function shadowApp(shadow?: FakeShadow) {
  return createApp({
    adminToken: ADMIN,
    webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false }), peerAddress: () => "", now: Date.now },
    status: async () => ({ ok: true }),
    ready: async () => true,
    reload: async () => ({ ok: true }),
    replay: async () => ({ status: 404, body: {} }),
    ...(shadow ? { shadow } : {}),
  });
}
