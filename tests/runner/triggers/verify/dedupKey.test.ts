import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dedupKey } from "../../../../runner/triggers/verify/dedupKey.ts";
import { encode } from "./signing.ts";

const raw = encode("{}");

describe("dedupKey", () => {
  it("prefers the verified header id", () => {
    expect(dedupKey("aspos", "evt_1", { id: "evt_2", type: "order.paid" }, raw)).toBe("aspos:id:evt_1");
  });

  it("uses the AFAS EventId from the body", () => {
    expect(dedupKey("afas", undefined, { EventId: "79d9b863", EventType: "subject.created" }, raw)).toBe("afas:id:79d9b863");
  });

  it("uses the id of an event envelope (id with type)", () => {
    expect(dedupKey("aspos", undefined, { id: "evt_9", type: "order.created", data: {} }, raw)).toBe("aspos:id:evt_9");
  });

  it("does not take a bare record id as an event id", () => {
    const first = dedupKey("shop", undefined, { id: "ord-1", status: "paid" }, encode('{"id":"ord-1","status":"paid"}'));
    const second = dedupKey("shop", undefined, { id: "ord-1", status: "shipped" }, encode('{"id":"ord-1","status":"shipped"}'));
    expect(first).not.toBe(second);
  });

  it("falls back to the SHA-256 of the raw bytes", () => {
    const body = encode('[1,2,3]');
    const hex = createHash("sha256").update(body).digest("hex");
    expect(dedupKey("shop", undefined, [1, 2, 3], body)).toBe(`shop:sha256:${hex}`);
  });

  it("keeps sources apart", () => {
    expect(dedupKey("a", "x", {}, raw)).not.toBe(dedupKey("b", "x", {}, raw));
  });
});
