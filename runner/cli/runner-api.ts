/** `koppel serve`'s port when neither --port nor $PORT says otherwise. */
export const DEFAULT_PORT = 8080;

/** The runner to talk to: --url, else $KOPPEL_URL, else where `koppel serve` listens by default on this machine. */
export function runnerUrl(flagged: string | undefined, env: NodeJS.ProcessEnv): string {
  return (flagged ?? env.KOPPEL_URL ?? `http://127.0.0.1:${env.PORT ?? DEFAULT_PORT}`).replace(/\/+$/, "");
}

export type RunnerAnswer = { readonly status: number; readonly body: unknown } | { readonly unreachable: string };

/**
 * One call to a running runner's admin API. A runner that cannot be reached is an answer too, with
 * a sentence naming the URL and how to point the command elsewhere, not a stack trace.
 */
export async function callRunner(url: string, token: string, method: string, path: string, options: { readonly body?: unknown; readonly timeoutMs: number }): Promise<RunnerAnswer> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(options.body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (e) {
    if ((e as Error).name === "TimeoutError") return { unreachable: `the runner at ${url} did not answer within ${Math.round(options.timeoutMs / 1000)} s` };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { unreachable: `cannot reach the runner at ${url} (${cause?.code ?? cause?.message ?? (e as Error).message}): is koppel serve running there? Point --url or KOPPEL_URL at it` };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy's or another server's page: kept as text for the message.
  }
  return { status: res.status, body };
}

/** Why a call did not succeed, as one line for the operator. */
export function refusalOf(url: string, answer: { readonly status: number; readonly body: unknown }): string {
  if (answer.status === 401) return `the runner at ${url} refused the admin token: set KOPPEL_ADMIN_TOKEN to the token the runner was started with`;
  const error = (answer.body as { error?: { code?: string; reason?: string } } | null)?.error;
  if (answer.status === 404 && (!error?.code || error.code === "NO_SUCH_ROUTE")) return `${url} answers 404 for the admin API: not a Koppel runner, or one without this API`;
  if (error?.code) return `${error.code} ${error.reason ?? ""}`.trim();
  return `the runner at ${url} answered HTTP ${answer.status}: ${String(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)).slice(0, 200)}`;
}
