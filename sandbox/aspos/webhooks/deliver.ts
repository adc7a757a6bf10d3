import { signWebhook } from "./sign.ts";

export interface SignedPost {
  readonly url: string;
  readonly secret: string;
  /** webhook-id: keep it the same on every retry of one event so receivers can dedupe. */
  readonly id: string;
  readonly body: string;
  readonly nowMs: number;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export interface PostOutcome {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
}

/** One signed POST; never throws, so a failing receiver is an outcome and not a crash. */
export async function postSigned(post: SignedPost): Promise<PostOutcome> {
  const timestamp = Math.floor(post.nowMs / 1000);
  try {
    const res = await (post.fetch ?? fetch)(post.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": post.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook(post.secret, post.id, timestamp, post.body),
      },
      body: post.body,
      signal: AbortSignal.timeout(post.timeoutMs ?? 15_000),
    });
    await res.body?.cancel();
    return { ok: res.status >= 200 && res.status < 300, status: res.status };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export interface DirectWebhook {
  readonly url: string;
  readonly secret: string;
  readonly type: string;
  readonly data: unknown;
  readonly id?: string;
  readonly createdAt?: string;
  readonly nowMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * Sends one event outside any subscription — for tests and benches of a receiver. Pass the same
 * `id` again to imitate a retry.
 */
export async function sendWebhook(hook: DirectWebhook): Promise<PostOutcome & { id: string; body: string }> {
  const nowMs = hook.nowMs ?? Date.now();
  const id = hook.id ?? `evt_${nowMs.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const body = JSON.stringify({ id, type: hook.type, createdAt: hook.createdAt ?? new Date(nowMs).toISOString(), data: hook.data });
  const outcome = await postSigned({ url: hook.url, secret: hook.secret, id, body, nowMs, ...(hook.fetch ? { fetch: hook.fetch } : {}) });
  return { ...outcome, id, body };
}
