export { createAsposSimulator, SANDBOX_CLIENT, type AsposSimulator, type AsposSimulatorOptions } from "./simulator.ts";
export { startAsposSimulator, type RunningAsposSimulator } from "./server.ts";
export type { SimControl, FaultSpec } from "./control.ts";
export type { SimState, Client } from "./state.ts";
export { demoSeed } from "./seed.ts";
export { signWebhook, secretKey } from "./webhooks/sign.ts";
export { sendWebhook, type DirectWebhook } from "./webhooks/deliver.ts";
export { EVENT_TYPES, type Delivery, type Subscription } from "./webhooks/sender.ts";
export { simHarness, type SimHarness } from "./testing.ts";
