import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { SendRequest } from "../../../engine/flow/port.ts";
import type { Connector } from "../../../runner/connectors/types.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";
import { ledgerPort, RunLedger } from "../../../runner/worker/port.ts";

/** AsPos as the contract has it: answers kept by idempotency key; `answers` says what each call gets. */
function keyedUpstream(answers: (() => Record<string, unknown>)[]): Connector & { keys: string[] } {
  const keys: string[] = [];
  return {
    type: "aspos", name: "aspos", keepsAnswersByKey: true, keys,
    find: async () => ({ rows: [] }),
    async send(req: SendRequest) {
      keys.push(req.idempotencyKey);
      return { result: answers.shift()!() };
    },
  };
}

const refused = (errorNumber: string, code: "UPSTREAM_REJECTED" | "UPSTREAM_CONFLICT" | "UPSTREAM_UNCERTAIN" = "UPSTREAM_CONFLICT") => () => {
  throw new UpstreamError(code, `AsPos said ${errorNumber}`, { connection: "aspos", status: 409, errorNumber });
};

describe("idempotency keys after AsPos refused a create", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "koppel-refusal-"));
    store = await openStore(`sqlite:${join(dir, "koppel.db")}`);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One attempt of a run: its own ledger, settled (stored) when it ends, as the worker does. */
  async function attempt(upstream: Connector): Promise<unknown> {
    const ledger = new RunLedger(store);
    const port = ledgerPort(new Map([["aspos", upstream]]), ledger);
    const outcome = await port.send({ connection: "aspos", object: "customers", op: "insert", payload: { email: "a@b.nl" }, idempotencyKey: "evt-1:flow:create", step: "create" })
      .then((r) => r.result, (e: unknown) => e);
    await ledger.save();
    return outcome;
  }

  it("a refusal that made nothing moves the next attempt to a new key; a key reused after a lost answer keeps it", async () => {
    const upstream = keyedUpstream([
      refused("ValidationFailed", "UPSTREAM_REJECTED"),
      refused("IdempotencyKeyReuse"),
      refused("IdempotencyKeyReuse"),
    ]);
    expect(await attempt(upstream)).toMatchObject({ code: "UPSTREAM_REJECTED" });
    // The body changed and the key had an answer already: that first send may have made the
    // record (after a lost answer), so the key does not move again.
    expect(await attempt(upstream)).toMatchObject({ code: "UPSTREAM_CONFLICT" });
    expect(await attempt(upstream)).toMatchObject({ code: "UPSTREAM_CONFLICT" });
    expect(upstream.keys).toEqual(["evt-1:flow:create", "evt-1:flow:create~1", "evt-1:flow:create~1"]);
  });
});
