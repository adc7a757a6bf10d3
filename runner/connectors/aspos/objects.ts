import { ConfigError } from "../../../common/errors.ts";
import type { EndpointTable, ObjectEndpoints } from "./endpoints.ts";

/** Accepts `orders` and `aspos.orders` (flows write `poll: aspos.orders`). */
export function objectEndpoints(table: EndpointTable, connection: string, object: string): ObjectEndpoints {
  const name = object.startsWith(`${connection}.`) ? object.slice(connection.length + 1) : object;
  const endpoints = table[name];
  if (!endpoints) {
    throw new ConfigError("INVALID_VALUE", `${connection} has no object '${name}'; known: ${Object.keys(table).sort().join(", ")}`);
  }
  return endpoints;
}
