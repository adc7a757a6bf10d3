import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../common/errors.ts";
import { createAfasConnector } from "../../runner/connectors/afas/index.ts";
import { createAsposConnector } from "../../runner/connectors/aspos/index.ts";
import { SANDBOX_TOKEN } from "../../sandbox/afas/index.ts";

/** Answers every call 200 with `body` as it is written (AsPos's token request excepted). */
function answering(body: string): typeof fetch {
  return async (input) => {
    const url = new Request(input).url;
    if (url.endsWith("/connect/token")) return Response.json({ access_token: "t", token_type: "Bearer", expires_in: 3600 });
    return new Response(body, { status: 200, headers: { "Content-Type": body.startsWith("<") ? "text/html" : "application/json" } });
  };
}

const eq = (field: string, value: unknown) => ({ field, op: "eq" as const, value });

/** The lookup before every create: an answer read as "none found" would make the record again. */
async function refusal(find: () => Promise<unknown>): Promise<UpstreamError> {
  const error = await find().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe("a 200 whose body is not the records asked for is an error, not 'none found'", () => {
  const afas = (body: string) =>
    createAfasConnector("afas", { type: "afas", baseUrl: "http://afas.test/ProfitRestServices", token: SANDBOX_TOKEN }, { fetch: answering(body) });
  const aspos = (body: string) =>
    createAsposConnector("aspos", { type: "aspos", baseUrl: "http://tenant.test", clientId: "c", clientSecret: "s" }, { fetch: answering(body) });

  it("AFAS: text that is not JSON (Profit before 7 wrote -.5), or JSON without rows", async () => {
    const read = (body: string) => afas(body).find({ connection: "afas", object: "Koppel_SalesOrders", where: [eq("ExternalNumber", "W1")] });
    const old = await refusal(() => read('{"skip":0,"take":100,"rows":[{"ExternalNumber":"W1","TotalAmount":-.5}]}'));
    expect(old).toMatchObject({ code: "UPSTREAM_UNREADABLE", retryable: true, details: { connection: "afas", status: 200 } });
    expect(old.message).toContain("AFAS read Koppel_SalesOrders: the answer (200) is not the list of records Koppel reads, but text:");
    expect(old.details.exchanges?.length).toBe(1);
    expect((await refusal(() => read('{"skip":0,"take":100}'))).message).toContain("but an object with skip, take");
    // The empty list it should be still reads as none.
    expect((await read('{"skip":0,"take":100,"rows":[]}')).rows).toEqual([]);
  });

  it("AsPos: a proxy's HTML page on a list or on a single record", async () => {
    const page = "<html><body>Please sign in</body></html>";
    const list = await refusal(() => aspos(page).find({ connection: "aspos", object: "customers", where: [eq("email", "a@b.nl")] }));
    expect(list).toMatchObject({ code: "UPSTREAM_UNREADABLE", details: { connection: "aspos", status: 200 } });
    expect(list.message).toContain('text: "<html><body>Please sign in</body></html>"');
    const single = await refusal(() => aspos(page).find({ connection: "aspos", object: "customers", where: [eq("id", 7)] }));
    expect(single.code).toBe("UPSTREAM_UNREADABLE");
    expect((await aspos("[]").find({ connection: "aspos", object: "customers", where: [eq("email", "a@b.nl")] })).rows).toEqual([]);
  });
});
