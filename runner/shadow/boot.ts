import type { ShadowConfig } from "../../engine/config/types.ts";
import { parseDuration } from "../time/duration.ts";
import type { Shadow } from "./control.ts";
import type { ShadowStore } from "./types.ts";

/**
 * The config's `shadow:` at boot. A restart (or another replica) finds the candidate the config
 * started already stored and follows it, keeping its period; any other stored candidate is replaced,
 * because the config says what to shadow. Without the key, whatever is stored is followed.
 * A candidate that does not load is reported by the shadow (log and status); live runs carry on.
 */
export async function shadowAtBoot(shadow: Shadow, store: ShadowStore, config: ShadowConfig | undefined, now: () => number): Promise<void> {
  const stored = await store.shadowCandidate(now());
  if (!config || (stored?.by === "config" && stored.ref === config.ref)) return shadow.sync();
  await shadow.start({
    ref: config.ref,
    by: "config",
    ...(config.for !== undefined ? { forMs: parseDuration(config.for) } : {}),
    ...(config.readBudget !== undefined ? { readBudget: config.readBudget } : {}),
  });
}
