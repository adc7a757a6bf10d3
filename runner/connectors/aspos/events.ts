/** The event types an AsPos webhook subscription can carry (reference B.9), and its test delivery. */
export const ASPOS_EVENTS: readonly string[] = [
  "order.created", "order.updated", "order.paid", "customer.created", "customer.updated", "stock.changed", "webhook.test",
];
