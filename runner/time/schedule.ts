import { Cron } from "croner";
import type { Project } from "../../engine/config/load.ts";
import { ConfigError } from "../../common/errors.ts";
import type { FlowTrigger } from "../../engine/flow/plan.ts";
import { DEFAULT_TIMEZONE } from "../project-env.ts";
import { parseDuration } from "../../common/duration.ts";

/** When a schedule fires. */
export interface Timing {
  /** The first fire time strictly after `after` (epoch ms), or null when it never fires again. */
  next(after: number): number | null;
}

export type Schedule = NonNullable<FlowTrigger["schedule"]>;

/**
 * `every` ticks on multiples of the interval since the epoch rather than since start-up: every
 * replica then aims at the same instants, which is what lets one lock per tick pick one of them
 * and lets a plain tick's dedup key be the same on all of them.
 */
export function scheduleTiming(schedule: Schedule, timezone: string = DEFAULT_TIMEZONE): Timing {
  if (schedule.cron !== undefined) {
    const cron = new Cron(schedule.cron, { timezone });
    return { next: (after) => cron.nextRun(new Date(after))?.getTime() ?? null };
  }
  if (schedule.every === undefined) throw new ConfigError("MISSING_KEY", "a schedule needs `every` or `cron`");
  const ms = parseDuration(schedule.every);
  return { next: (after) => Math.floor(after / ms) * ms + ms };
}

export function projectTimezone(project: Project): string {
  const zone = project.config.settings?.timezone;
  return typeof zone === "string" ? zone : DEFAULT_TIMEZONE;
}

/** Schedules the scheduler could not run (a cron pattern croner rejects, an unknown time zone). */
export function scheduleErrors(project: Project): ConfigError[] {
  const errors: ConfigError[] = [];
  const timezone = projectTimezone(project);
  for (const flow of project.flows.values()) {
    const schedule = flow.trigger?.schedule;
    if (!schedule) continue;
    try {
      scheduleTiming(schedule, timezone).next(0);
    } catch (e) {
      const what = schedule.cron !== undefined ? `cron "${schedule.cron}"` : `every ${schedule.every}`;
      errors.push(new ConfigError("INVALID_VALUE", `${what} of flow ${flow.name} is not a schedule: ${(e as Error).message}`, flow.trigger?.schedulePosition ?? flow.position));
    }
  }
  return errors;
}
