/** AFAS Profit REST simulator: see docs/afas-setup.md and DESIGN.md §9. */
export { createAfasSimulator } from "./app.ts";
export type { AfasSimulator, AfasSimulatorOptions } from "./app.ts";
export { startAfasSimulator } from "./serve.ts";
export type { RunningAfasSimulator } from "./serve.ts";
export type { AfasSimulatorControl } from "./control.ts";
export type { FaultSpec } from "./faults.ts";
export { SANDBOX_TOKEN, SANDBOX_TOKEN_DATA, xmlToken, afasTokenHeader } from "./auth.ts";
export { SANDBOX_OAUTH_CLIENT } from "./oauth.ts";
export { buildProfitWebhook, sendProfitWebhook, signProfitWebhook } from "./webhook.ts";
export type { ProfitWebhookEvent, SendWebhookOptions, SendWebhookResult } from "./webhook.ts";
export { loadAfasSchemas, DEFAULT_SCHEMA_DIR } from "./schemas.ts";
export type { AfasJsonSchema } from "./schemas.ts";
