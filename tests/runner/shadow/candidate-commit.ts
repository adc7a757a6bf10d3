import type { ScratchRepo } from "../integrator/scratch-repo.ts";

export const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
const GOLDENS = ["order-default-debtor", "order-person-nl-known-debtor", "order-person-nl"].map((n) => `mappings/orders/fixtures/${n}.expected.json`);

/**
 * The candidate the shadow tests compare: one field mapping changed (the order's remarks in
 * capitals), with its fixture goldens updated as `koppel test --update` would, so it passes its
 * own tests like any candidate a reload would take.
 */
export function uppercaseRemarks(repo: ScratchRepo, expression = "$uppercase(remarks)"): void {
  repo.edit(ORDER_FLOW, "Re: remarks", `Re: ${expression}`);
  for (const golden of GOLDENS) repo.edit(golden, '"Re": "Graag achterom bezorgen"', '"Re": "GRAAG ACHTEROM BEZORGEN"');
}
