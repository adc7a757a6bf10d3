import { apiStubs } from "./api-stubs.ts";
import { createHash } from "node:crypto";
import type { EffectChange } from "../../../common/effect-change.ts";
import { createApp } from "../../../runner/server/app.ts";
import type { ShadowDeps } from "../../../runner/server/shadow-api.ts";
import type { ShadowCandidate, ShadowRefusal, ShadowResult, ShadowStart, ShadowVerdict } from "../../../runner/shadow/types.ts";
import { openStore } from "../../../runner/store/open.ts";

export const ADMIN = "admin-token-for-shadow-tests";
export const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

/** A refused ref answers with these lines, as a candidate with a bad key would. */
export const REFUSED_REF = "broken-branch";
export const REFUSAL = ["mappings/orders/order.flow.yaml:7:5 UNKNOWN_KEY key 'stps' is not part of the schema"];

export const shaOf = (ref: string) => createHash("sha1").update(ref).digest("hex");

export interface FakeShadow extends ShadowDeps {
  readonly starts: ShadowStart[];
  stops: number;
  dropped: number;
  /** Stores results as the executor would, in the real store the pages read. */
  add(...results: ShadowResult[]): Promise<void>;
}

const opened = new Set<{ close(): Promise<void> }>();

/** Closes every store the fakes of a test opened (afterEach). */
export async function closeFakes(): Promise<void> {
  for (const store of opened) await store.close();
  opened.clear();
}

/**
 * A real (in-memory SQLite) store behind a control that loads nothing: the HTTP surface, the CLI
 * and the pages are tested against the contract in runner/shadow/types.ts and the store's own
 * filtering and paging, not against the executor.
 */
export async function fakeShadow(now: () => number = () => T0): Promise<FakeShadow> {
  const store = await openStore("sqlite::memory:");
  opened.add(store);
  let refused: ShadowRefusal | null = null;
  const fake: FakeShadow = {
    starts: [],
    stops: 0,
    dropped: 0,
    store,
    add: (...results) => store.saveShadowResults(results),
    control: {
      async start(request) {
        fake.starts.push(request);
        if (request.ref === REFUSED_REF) {
          refused = { ref: request.ref, errors: REFUSAL, at: now() };
          return { ok: false, errors: REFUSAL };
        }
        refused = null;
        const startedAt = now();
        const candidate: ShadowCandidate = {
          ref: request.ref,
          sha: shaOf(request.ref),
          startedAt,
          ...(request.forMs ? { until: startedAt + request.forMs } : {}),
          readBudget: request.readBudget ?? 0,
          by: request.by,
        };
        await store.setShadowCandidate(candidate);
        return { ok: true, candidate };
      },
      async stop() {
        fake.stops++;
        const was = (await store.shadowCandidate(now())) !== null;
        await store.setShadowCandidate(null);
        return was;
      },
      async status() {
        const candidate = await store.shadowCandidate(now());
        return { candidate, counts: candidate ? await store.shadowCounts(candidate.sha) : null, dropped: fake.dropped, ...(refused ? { refused } : {}) };
      },
    },
  };
  return fake;
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
  return createApp({ ...apiStubs(ADMIN), ...(shadow ? { shadow } : {}) });
}
