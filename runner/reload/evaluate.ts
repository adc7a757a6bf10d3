import { checkCandidate, type CandidateOptions, type CheckedCandidate } from "./candidate.ts";
import type { CandidateSource } from "./source.ts";

/** Materialise one candidate from its source, check it, and clean up the checkout. */
export async function evaluateCandidate(
  source: CandidateSource, peeked: string | null, configPath: string, options: CandidateOptions,
): Promise<{ sha: string | null; checked: CheckedCandidate }> {
  const checkout = await source.open(peeked);
  try {
    const checked = await checkCandidate(checkout.dir, configPath, options);
    return { sha: source.versionId(peeked, checked, checkout.dir), checked };
  } finally {
    await checkout.release();
  }
}
