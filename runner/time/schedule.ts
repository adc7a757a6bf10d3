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
  if (schedule.cron !== undefined) return cronTiming(schedule.cron, timezone);
  if (schedule.every === undefined) throw new ConfigError("MISSING_KEY", "a schedule needs `every` or `cron`");
  const ms = parseDuration(schedule.every);
  // A poll every few milliseconds would call AsPos or AFAS without pause.
  if (!(ms >= MIN_EVERY_MS)) throw new ConfigError("INVALID_VALUE", `the shortest interval is ${MIN_EVERY_MS / 1000}s`);
  return { next: (after) => Math.floor(after / ms) * ms + ms };
}

export const MIN_EVERY_MS = 1_000;

/**
 * A cron pattern on the zone's wall clock. When clocks go back the repeated hour comes twice, and
 * croner fires each wall-clock time once: `0 * * * *` lost its 02:00 CEST run, and a five-minute
 * pattern an hour of ticks. A pattern for every hour fires in both passes, as cron does: the next
 * instant is also sought on the wall clock at each offset in force between now and croner's answer
 * (the one now, the one then), where that offset holds at the instant found. A pattern for set
 * hours (`30 2 * * *`) still fires once.
 */
function cronTiming(pattern: string, timezone: string): Timing {
  const zoned = new Cron(pattern, { timezone });
  const wall = new Cron(pattern, { timezone: "Etc/UTC" });
  if (!firesEveryHour(wall)) return { next: (after) => zoned.nextRun(new Date(after))?.getTime() ?? null };
  const offsetAt = zoneOffset(timezone);
  const atOffset = (after: number, offset: number): number | null => {
    const onWall = wall.nextRun(new Date(after + offset))?.getTime();
    if (onWall === undefined) return null;
    const at = onWall - offset;
    return at > after && offsetAt(at) === offset ? at : null;
  };
  return {
    next(after) {
      const next = zoned.nextRun(new Date(after))?.getTime() ?? null;
      const offsets = new Set([offsetAt(after), ...(next === null ? [] : [offsetAt(next)])]);
      const found = [next, ...[...offsets].map((o) => atOffset(after, o))].filter((t): t is number => t !== null);
      return found.length ? Math.min(...found) : null;
    },
  };
}

/** Whether the pattern fires in each hour of a day (`*`, `0-23`, `@hourly` alike): read off its times, not its spelling. */
function firesEveryHour(wall: Cron): boolean {
  const day = Date.UTC(2025, 0, 6);
  for (let hour = 0; hour < 24; hour++) {
    const start = day + hour * 3_600_000;
    const at = wall.nextRun(new Date(start - 1))?.getTime();
    if (at === undefined || at >= start + 3_600_000) return false;
  }
  return true;
}

/** The zone's offset from UTC at an instant, in ms (its wall clock minus UTC). */
function zoneOffset(timezone: string): (at: number) => number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  });
  return (at) => {
    const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, Number(x.value)]));
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return wall - Math.floor(at / 1000) * 1000;
  };
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
