import { createHmac, randomUUID } from "node:crypto";

/**
 * Profit 8 webhooks: thin JSON notifications signed with the webhook password. The MAC covering the
 * raw body in lower-case hex is our reading of AFAS's docs (unverified there), and it is what the
 * runner's `afas-profit` verifier checks.
 */

export type ProfitWebhookEventType =
  | "test.executed"
  | "subject.created" | "subject.updated" | "subject.deleted"
  | "subject.reaction.created" | "subject.reaction.updated" | "subject.reaction.deleted"
  | "workflow.task.entered" | "workflow.action.executed";

export interface ProfitWebhookEvent {
  EventId: string;
  EnvironmentId: string;
  EventType: ProfitWebhookEventType | string;
  Data: Record<string, unknown>;
  Timestamp: string;
}

/** UTC with seven fractional digits, as Profit writes it. */
export const profitTimestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");

export function buildProfitWebhook(input: { eventType: string; data?: Record<string, unknown>; environmentId?: string; eventId?: string; nowMs?: number }): ProfitWebhookEvent {
  return {
    EventId: input.eventId ?? randomUUID(),
    EnvironmentId: input.environmentId ?? "12345AA",
    EventType: input.eventType,
    Data: input.data ?? {},
    Timestamp: profitTimestamp(input.nowMs ?? Date.now()),
  };
}

export function signProfitWebhook(rawBody: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody, "utf8").digest("hex")}`;
}

export interface SendWebhookOptions {
  url: string;
  secret: string;
  eventType?: string;
  data?: Record<string, unknown>;
  environmentId?: string;
  eventId?: string;
  /** Sign with this secret instead, to test rejection. */
  signWith?: string;
  fetch?: typeof fetch;
  nowMs?: number;
}

export interface SendWebhookResult {
  status: number;
  responseBody: string;
  event: ProfitWebhookEvent;
  rawBody: string;
  signature: string;
}

export async function sendProfitWebhook(options: SendWebhookOptions): Promise<SendWebhookResult> {
  const event = buildProfitWebhook({
    eventType: options.eventType ?? "workflow.action.executed",
    data: options.data ?? { WorkflowName: randomUUID(), ActionName: randomUUID() },
    ...(options.environmentId ? { environmentId: options.environmentId } : {}),
    ...(options.eventId ? { eventId: options.eventId } : {}),
    ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
  });
  const rawBody = JSON.stringify(event);
  const signature = signProfitWebhook(rawBody, options.signWith ?? options.secret);
  const res = await (options.fetch ?? fetch)(options.url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-profit-signature-256": signature },
    body: rawBody,
    // Profit gives the receiver two seconds.
    signal: AbortSignal.timeout(2000),
  });
  return { status: res.status, responseBody: await res.text(), event, rawBody, signature };
}
