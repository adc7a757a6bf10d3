import { DEFAULT_LIMITS, type Limits } from "../../engine/transform/expression.ts";

/**
 * Expressions of a served version: a long evaluation hands the event loop back between JSONata
 * steps, so webhooks and /healthz are answered while a runaway mapping runs into its time limit.
 */
export const SERVED_LIMITS: Limits = { ...DEFAULT_LIMITS, pause: () => new Promise((resolve) => setImmediate(resolve)) };
