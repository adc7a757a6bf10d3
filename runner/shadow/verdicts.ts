import type { ShadowVerdict } from "./types.ts";

// A record so that a verdict added to the type but not listed here is a compile error.
const LISTED: Record<ShadowVerdict, true> = { same: true, different: true, "newly failing": true, "newly passing": true, "not comparable": true, "shadow failed": true };

/** Every verdict in the order the API, CLI and dashboard list them: agreement first, then what needs a look. */
export const SHADOW_VERDICTS = Object.keys(LISTED) as readonly ShadowVerdict[];

export function isShadowVerdict(text: string): text is ShadowVerdict {
  return Object.hasOwn(LISTED, text);
}
