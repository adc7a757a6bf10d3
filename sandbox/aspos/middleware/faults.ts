import type { MiddlewareHandler } from "hono";
import { Problem } from "../problem.ts";
import type { Fault, SimState } from "../state.ts";

/** Marks a response the in-process fetch turns into a network error (see simulator.ts). */
export const DROP_HEADER = "x-sandbox-drop";

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.remaining <= 0) return false;
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  return path.startsWith(fault.path ?? "/");
}

function statusProblem(fault: Fault): Problem {
  const status = fault.status ?? 503;
  const retry: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { "Retry-After": String(fault.retryAfterSeconds) };
  if (status === 429) return new Problem(429, "RateLimited", "Too many requests.", "Rate limit exceeded (injected).", {}, retry);
  if (status === 503) return new Problem(503, "Maintenance", "The service is down for maintenance.", "Injected maintenance window.", {}, retry);
  return new Problem(status, "InternalError", "An unexpected error occurred.", `Injected ${status}.`, {}, retry);
}

interface NodeBindings {
  incoming?: { socket?: { destroy(): void } };
}

export function faultInjection(state: () => SimState): MiddlewareHandler {
  return async (c, next) => {
    const fault = state().faults.find((f) => matches(f, c.req.method, c.req.path));
    if (!fault) return next();
    fault.remaining -= 1;
    state().faults = state().faults.filter((f) => f.remaining > 0);
    if (fault.kind === "latency") {
      await new Promise((resolve) => setTimeout(resolve, fault.latencyMs ?? 1_000));
      return next();
    }
    if (fault.kind === "drop") {
      // Over TCP: cut the socket. In process there is no socket, so flag the response instead.
      (c.env as NodeBindings | undefined)?.incoming?.socket?.destroy();
      return new Response(null, { status: 599, headers: { [DROP_HEADER]: "1" } });
    }
    return statusProblem(fault).toResponse();
  };
}
