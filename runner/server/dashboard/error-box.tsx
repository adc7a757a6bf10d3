/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { ERROR_CODES } from "../../../common/errors.ts";
import type { RunError } from "../../store/types.ts";

interface Upstream {
  readonly connection?: string;
  readonly status?: number;
  readonly upstreamMessage?: string;
  readonly errorNumber?: number | string;
  readonly reference?: string;
  readonly body?: unknown;
}

const WHO_ACTS: Record<string, string> = {
  integrator: "the integrator changes the mapping or config",
  upstream: "fix it in AFAS or AsPos (or wait, when it retries), then replay",
  operator: "fix the data or the sender, then replay",
  koppel: "a bug in Koppel: report it",
};

/** The upstream error as support needs it: AFAS's own text, errorNumber and profitLogReference. */
/** `finished`: the run failed for good, so a retryable error was retried until its attempts ran out. */
export function ErrorBox({ error, finished = false }: { error: RunError; finished?: boolean }) {
  const info = error.code in ERROR_CODES ? ERROR_CODES[error.code] : undefined;
  const upstream = (error.upstream ?? {}) as Upstream;
  const isAfas = upstream.connection?.toLowerCase().includes("afas");
  return (
    <section class="card error" id="error">
      <h2>
        <span class="bad">{error.code}</span> {info ? <span class="muted">— {info.title}</span> : null}
      </h2>
      {upstream.upstreamMessage ? <p class="upstream" data-testid="upstream-message">{upstream.upstreamMessage}</p> : null}
      <dl>
        <dt>Message</dt>
        <dd>{error.message}</dd>
        {info ? (
          <>
            <dt>Who acts</dt>
            <dd>{WHO_ACTS[info.actor] ?? info.actor}{"retryable" in info && info.retryable ? (finished ? " · retried automatically until its attempts ran out: replay it" : " · retried automatically") : ""}</dd>
          </>
        ) : null}
        {upstream.connection ? (
          <>
            <dt>Connection</dt>
            <dd>{upstream.connection}{upstream.status ? ` · HTTP ${upstream.status}` : ""}</dd>
          </>
        ) : null}
        {upstream.errorNumber !== undefined ? (
          <>
            <dt>errorNumber</dt>
            <dd class="mono" data-testid="error-number">{String(upstream.errorNumber)}</dd>
          </>
        ) : null}
        {upstream.reference ? (
          <>
            {/* From Profit's error body, or else AFAS's X-Trace-Identifier header (afas/errors.ts). */}
            <dt>{!isAfas ? "reference" : fromProfitBody(upstream) ? "profitLogReference" : "X-Trace-Identifier"}</dt>
            <dd class="mono" data-testid="reference">{upstream.reference}</dd>
          </>
        ) : null}
      </dl>
      {upstream.body !== undefined ? (
        <details>
          <summary>Error body</summary>
          <pre>{JSON.stringify(upstream.body, null, 2)}</pre>
        </details>
      ) : null}
    </section>
  );
}

function fromProfitBody(upstream: Upstream): boolean {
  const body = upstream.body;
  return typeof body === "object" && body !== null && (body as { profitLogReference?: unknown }).profitLogReference === upstream.reference;
}
