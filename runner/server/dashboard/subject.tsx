/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { KEY_SPACE } from "../../store/search-text.ts";
import { isEmailToken } from "../../privacy/pseudonym.ts";
import { shorten } from "./format.ts";

const SHOWN = 28;

/**
 * What a run is about, from its search text: the run keys first, then the order numbers, debtor ids
 * and emails as the payload had them. Emails are left out: as a token (payload logging masked)
 * they mean nothing to a reader, and as an address they say who, not which order.
 */
export function subjectOf(searchText: string | null | undefined): string[] {
  if (!searchText) return [];
  const said = (word: string) => word !== "" && !ADDRESS.test(word) && !isEmailToken(word);
  // A run key's words (`order W1`, its spaces stored as KEY_SPACE) lose an address as a term does.
  const terms = searchText.split(" ").map((term) => term.split(KEY_SPACE).filter(said).join(KEY_SPACE)).filter(said);
  // A run key already says what its order number would.
  const inKeys = new Set(terms.flatMap((term) => (term.includes(KEY_SPACE) ? term.split(KEY_SPACE) : [])));
  return terms.filter((term) => term.includes(KEY_SPACE) || !inKeys.has(term)).map((term) => term.replaceAll(KEY_SPACE, " "));
}

/** An email address; a run key such as `601826@01` (item @ warehouse) is not one. */
const ADDRESS = /^[^@]+@[^@]+\.[^@.]+$/;

/** The subject in a few characters (as many terms as fit, then how many more), every term in the title. */
export function Subject({ searchText }: { searchText: string | null | undefined }) {
  const terms = subjectOf(searchText);
  if (!terms.length) return <span class="muted">—</span>;
  let shown = 1;
  while (shown < terms.length && terms.slice(0, shown + 1).join(", ").length <= SHOWN) shown++;
  const more = terms.length - shown;
  return (
    <span class="subject" title={terms.join(", ")}>
      {shorten(terms.slice(0, shown).join(", "), SHOWN)}
      {more ? <span class="muted"> +{more}</span> : null}
    </span>
  );
}
