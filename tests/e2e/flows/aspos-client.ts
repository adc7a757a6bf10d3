import { SANDBOX_CLIENT, type RunningAsposSimulator } from "../../../sandbox/aspos/index.ts";

/** The AsPos REST API as a web shop or back office uses it; every call must succeed. */
export interface AsposClient {
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
  patch<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
}

export async function asposClient(sim: RunningAsposSimulator): Promise<AsposClient> {
  const tokenRes = await fetch(`${sim.url}/connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: SANDBOX_CLIENT.clientId, client_secret: SANDBOX_CLIENT.clientSecret }),
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`AsPos ${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    patch: (path, body) => call("PATCH", path, body),
  };
}
