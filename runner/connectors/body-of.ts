import { envelopeFromMark } from "./afas/envelope.ts";

/** The exchange's `bodyOf` when the body sent was the send's payload object itself. */
export const PAYLOAD_AS_IS = "payload";

/**
 * The request body of an exchange marked `bodyOf`, rebuilt from the send's payload (the activity log
 * keeps the payload once); undefined for a mark this runner does not know.
 */
export function bodyFromPayload(bodyOf: string, payload: Record<string, unknown>): unknown {
  return bodyOf === PAYLOAD_AS_IS ? payload : envelopeFromMark(bodyOf, payload);
}
