import type { KoppelConfig } from "../../engine/config/types.ts";
import { searchTerm } from "./pseudonym.ts";
import { createRedactor, type PayloadMode, type Redactor, type RunParts } from "./redact.ts";

export interface LoggingPolicy {
  mode(): PayloadMode;
  /** Masks what the activity log keeps, by the running version's `logging:` section. */
  readonly redact: Redactor;
  /** What to search the runs for: emails pseudonymized unless payloads are kept in full. */
  searchTerm(query: string): string;
}

/** Follows reloads: `logging` is read per call, the redactor built once per config object. */
export function loggingPolicy(logging: () => KoppelConfig["logging"]): LoggingPolicy {
  const built = new WeakMap<object, Redactor>();
  const byDefault = createRedactor();
  const mode = (): PayloadMode => logging()?.payloads ?? "redacted";
  const current = (): Redactor => {
    const config = logging();
    if (!config) return byDefault;
    let redactor = built.get(config);
    if (!redactor) built.set(config, (redactor = createRedactor(config)));
    return redactor;
  };
  return {
    mode,
    redact: Object.assign((payload: unknown) => current()(payload), {
      run: (parts: RunParts) => current().run(parts),
      text: (text: string, event: unknown) => current().text(text, event),
    }),
    searchTerm: (query) => (mode() === "full" ? query : searchTerm(query)),
  };
}
