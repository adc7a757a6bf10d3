import type { ShadowConfig } from "../../engine/config/types.ts";
import { parseDuration } from "../../common/duration.ts";
import type { Shadow } from "./control.ts";
import type { ShadowStart, ShadowStore } from "./types.ts";

/**
 * The config's `shadow:` at boot. The config starts its candidate once: a restart (or another
 * replica) whose config asks for what was last started from a config follows whatever is stored,
 * even when that candidate has since expired or been stopped, so a restart never grants it another
 * period. A changed `shadow:` key starts the new candidate, unless one started by the API or CLI is
 * running: an operator's choice is not overridden by a replica restarting.
 * A candidate that does not load is reported by the shadow (log and status); live runs carry on.
 */
export async function shadowAtBoot(shadow: Shadow, store: ShadowStore, config: ShadowConfig | undefined, now: () => number, log: (line: string) => void = () => {}): Promise<void> {
  if (!config) return shadow.sync();
  const request: ShadowStart = {
    ref: config.ref,
    by: "config",
    ...(config.for !== undefined ? { forMs: parseDuration(config.for) } : {}),
    ...(config.readBudget !== undefined ? { readBudget: config.readBudget } : {}),
  };
  const spec = JSON.stringify({ ref: request.ref, forMs: request.forMs ?? null, readBudget: request.readBudget ?? 0 });
  if ((await store.configShadowStarted()) === spec) return shadow.sync();
  const running = await store.shadowCandidate(now());
  if (running && running.by !== "config") {
    log(`shadow: the config's candidate ${config.ref} is not started: ${running.ref} started by ${running.by} is running`);
    return shadow.sync();
  }
  const started = await shadow.start(request);
  if (started.ok) await store.setConfigShadowStarted(spec, now());
}
