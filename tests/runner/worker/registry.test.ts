import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../common/errors.ts";
import { createConnectors, CONNECTOR_TYPES } from "../../../runner/connectors/registry.ts";

describe("connector registry", () => {
  it("creates one connector per connection, by its type", () => {
    const connectors = createConnectors({
      erp: { type: "afas", baseUrl: "http://127.0.0.1:1/ProfitRestServices", token: "a".repeat(64) },
      pos: { type: "aspos", baseUrl: "http://127.0.0.1:2", clientId: "koppel", clientSecret: "s" },
    });
    expect([...connectors].map(([name, c]) => [name, c.name, c.type])).toEqual([["erp", "erp", "afas"], ["pos", "pos", "aspos"]]);
    expect(CONNECTOR_TYPES.map((t) => t.type)).toEqual(["afas", "aspos"]);
  });

  it("refuses an unknown type, naming the connection and the known types", () => {
    const create = () => createConnectors({ shop: { type: "shopify" as "afas" } });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow("connection 'shop': unknown type 'shopify' (known: afas, aspos)");
  });
});
