import { createAsposSimulator, SANDBOX_CLIENT, type AsposSimulator, type AsposSimulatorOptions } from "./simulator.ts";

export interface SimHarness {
  readonly sim: AsposSimulator;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  token(): Promise<string>;
}

/** A simulator with webhooks delivered by hand and a logged-in request helper. */
export async function simHarness(options: AsposSimulatorOptions = {}): Promise<SimHarness> {
  const sim = createAsposSimulator({ webhooks: { autoDeliver: false }, ...options });
  const token = async () => {
    const res = await sim.app.request("/connect/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: SANDBOX_CLIENT.clientId, client_secret: SANDBOX_CLIENT.clientSecret }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  let bearer = await token();
  return {
    sim,
    token: async () => (bearer = await token()),
    call: async (method, path, body, headers = {}) => sim.app.request(path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    }),
  };
}
