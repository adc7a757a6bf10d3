import { ADMIN_TOKEN, freePort, startServeProcess, type RunnerProcess } from "./harness.ts";

/** One `koppel serve` process of a cluster, with the id it heartbeats under. */
export interface ReplicaProcess extends RunnerProcess {
  readonly id: string;
}

export interface StatusReplica {
  readonly id: string;
  readonly version: string | null;
}

export interface Status {
  readonly replica: string;
  readonly version: { readonly activeSha: string };
  readonly replicas: readonly StatusReplica[];
  readonly flows: readonly { readonly flow: string; readonly count: number }[];
}

export async function status(url: string): Promise<Status> {
  const res = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`${url}/api/status answered ${res.status}`);
  return (await res.json()) as Status;
}

/** `n` replicas of `koppel serve` on the store `env.KOPPEL_STORE`, started at once (they race the migrations). */
export async function startReplicas(dir: string, env: Record<string, string>, n: number): Promise<ReplicaProcess[]> {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const started = await Promise.allSettled(ports.map((port) => startServeProcess(dir, env, port)));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    for (const s of started) if (s.status === "fulfilled") s.value.child.kill("SIGKILL");
    throw failed.reason;
  }
  const processes = started.map((s) => (s as PromiseFulfilledResult<RunnerProcess>).value);
  return Promise.all(processes.map(async (p) => ({ ...p, id: (await status(p.url)).replica })));
}

export async function stopReplicas(replicas: readonly RunnerProcess[]): Promise<void> {
  await Promise.all(replicas.map(async ({ child }) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    // Graceful stop waits for runs in flight; a stuck one must not hold up the caller.
    const stuck = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(stuck);
  }));
}

export interface Delivery {
  readonly status: number;
  readonly eventId: string;
  /** Index (into the targets) of the replica that answered. */
  readonly by: number;
}

/**
 * A load balancer's view: POST to the replica `first` points at; on a refused or cut connection try
 * the next one. Null when no replica answered, so the sender was never told "accepted".
 */
export async function deliver(targets: readonly string[], first: number, webhook: { body: string; headers: Record<string, string> }): Promise<Delivery | null> {
  for (let k = 0; k < targets.length; k++) {
    const by = (first + k) % targets.length;
    try {
      const res = await fetch(`${targets[by]}/webhooks/aspos`, { method: "POST", body: webhook.body, headers: webhook.headers });
      const answer = (await res.json()) as { eventId?: string };
      return { status: res.status, eventId: answer.eventId ?? "", by };
    } catch {
      // Connection refused or reset: this replica is gone; the balancer tries the next.
    }
  }
  return null;
}
