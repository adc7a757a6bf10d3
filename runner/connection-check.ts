import type { Project, ProjectHost } from "../engine/config/load.ts";
import { parseYaml } from "../engine/config/yaml-source.ts";
import { ConfigError } from "../common/errors.ts";
import { connectionProblems, unknownReads } from "./connectors/registry.ts";
import { checkSetting, type SettingProblem } from "./connectors/setting-check.ts";
import { checkStoreUrl } from "./store/open.ts";
import { webhookSourceProblems } from "./webhook-source-check.ts";
import { misspelledEvents } from "./webhook-event-check.ts";
import { unsupportedAsposSends } from "./connectors/aspos/send-check.ts";

/**
 * Connection settings, webhook sources (webhook-source-check.ts), the store URL, the objects flows read on a
 * connection with a closed list of them (unknownReads), AsPos event types one slip off (misspelledEvents) and AsPos
 * sends the endpoint table has no endpoint for (unsupportedAsposSends), checked as part of loading a version (validate, reload,
 * serve), reported at the key's file:line:col. Without it a malformed token loaded fine and every
 * job failed outside its run, so no failed run was recorded; a store URL of another database
 * passed validate and stopped only serve, with no position.
 */
export function connectionErrors(project: Project, host: ProjectHost): ConfigError[] {
  const store: SettingProblem[] = [];
  const url = project.config.store?.url;
  if (url !== undefined) checkSetting(store, "url", url, () => checkStoreUrl(url));
  const problems: { path: (string | number)[]; error: ConfigError }[] = [
    ...connectionProblems(project.config.connections),
    ...webhookSourceProblems(project.config.webhooks),
    ...store.map((p) => ({ path: ["store", p.key], error: p.error })),
  ];
  const reads = [...unknownReads(project.config.connections, project.flows.values()), ...misspelledEvents(project), ...unsupportedAsposSends(project)];
  if (!problems.length) return reads;
  const text = host.read(project.configFile) ?? "";
  const { source } = parseYaml(host.display(project.configFile), text, project.configFile);
  return [...problems.map(({ path, error }) => new ConfigError(error.code, error.message, source?.positionOf(path))), ...reads];
}
