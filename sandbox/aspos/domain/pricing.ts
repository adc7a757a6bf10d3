import { lineAmounts, orderTotals, shippingAmounts } from "../amounts.ts";
import type { OrderLine, Product, ShipmentType } from "../types.ts";
import { compact } from "./values.ts";

export interface LineSpec {
  readonly product: Product;
  readonly quantity: number;
  readonly taxRate?: number | undefined;
  readonly unitPriceInclTax?: number | undefined;
  readonly unitPriceExclTax?: number | undefined;
  readonly discountAmountInclTax?: number | undefined;
  readonly description?: string | undefined;
}

export interface ShippingSpec {
  readonly type: ShipmentType;
  readonly costInclTax: number;
  readonly taxRate: number;
  readonly carrier?: string | undefined;
}

export interface PricedParts {
  lines: OrderLine[];
  shipping?: Record<string, unknown>;
  totals: Record<string, unknown>;
}

/** Server-side amounts for an order; whatever amounts the client sent are ignored. */
export function priceOrder(specs: readonly LineSpec[], shippingSpec?: ShippingSpec): PricedParts {
  const lines = specs.map((spec, i): OrderLine => {
    const taxRate = spec.taxRate ?? spec.product.taxRate;
    const givenPrice = spec.unitPriceInclTax !== undefined || spec.unitPriceExclTax !== undefined;
    const amounts = lineAmounts({
      quantity: spec.quantity,
      taxRate,
      ...(givenPrice
        ? { unitPriceInclTax: spec.unitPriceInclTax, unitPriceExclTax: spec.unitPriceExclTax }
        : { unitPriceInclTax: spec.product.priceInclTax }),
      discountAmountInclTax: spec.discountAmountInclTax,
    });
    return compact({
      lineNumber: i + 1,
      productId: spec.product.id,
      sku: spec.product.number,
      barcode: spec.product.barcode,
      description: spec.description ?? spec.product.description,
      quantity: spec.quantity,
      taxRate,
      ...amounts,
    });
  });
  const parts = lines.map((l) => ({ taxRate: l.taxRate, inclTax: l.lineTotalInclTax, exclTax: l.lineTotalExclTax }));
  let shipping: Record<string, unknown> | undefined;
  if (shippingSpec) {
    const cost = shippingAmounts(shippingSpec.costInclTax, shippingSpec.taxRate);
    shipping = compact({
      shipmentTypeId: shippingSpec.type.id,
      shipmentTypeCode: shippingSpec.type.code,
      ...cost,
      taxRate: shippingSpec.taxRate,
      carrier: shippingSpec.carrier ?? shippingSpec.type.carrier,
    });
    parts.push({ taxRate: shippingSpec.taxRate, inclTax: cost.costInclTax, exclTax: cost.costExclTax });
  }
  return { lines, ...(shipping ? { shipping } : {}), totals: { ...orderTotals(parts) } };
}
