import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { dirname, relative, resolve } from "node:path";
import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createConnectors } from "../connectors/registry.ts";
import type { Connector } from "../connectors/types.ts";
import { openQueue } from "../queue/open.ts";
import type { JobQueue } from "../queue/types.ts";
import { createAlerter, type Alerter } from "../alerts/alerter.ts";
import { createIncidents } from "../alerts/incidents.ts";
import { errorLabel } from "../privacy/error-label.ts";
import { failedRunLine } from "./run-log.ts";
import { loggingPolicy } from "../privacy/policy.ts";
import { pseudonymizingStore } from "../privacy/pseudonym.ts";
import { startRetention, type RetentionJob } from "../privacy/retention.ts";
import { createReloader, loadInitialVersion, reloadSource, type Reloader } from "../reload/index.ts";
import { createApp } from "../server/app.ts";
import { answerReplay } from "../server/replay-answer.ts";
import { peerOf } from "../server/attempts.ts";
import { createMetrics, type Metrics } from "../server/metrics.ts";
import { sourceLookup, withWebhookFastPath, type WebhookRouteDeps } from "../server/webhooks.ts";
import { groupCommit } from "../store/group-commit.ts";
import { chooseStoreUrl, sqliteFileOf } from "../store/url.ts";
import { openGates } from "../cluster/open.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";
import { createScheduler, type Scheduler } from "../triggers/scheduler.ts";
import { createVersionRegistry, type MappingVersion, type VersionRegistry } from "../versions.ts";
import type { BackoffPolicy } from "../worker/backoff.ts";
import { registryReplayDeps, replayRun, retryRunNow } from "../worker/replay.ts";
import { toNewEvent } from "../ingest/accept.ts";
import { versionCache } from "./version-cache.ts";
import { refusingAmbiguousPaths } from "../server/ambiguous-path.ts";
import { createWorker, type Worker } from "../worker/worker.ts";
import { readBootstrap, type Bootstrap } from "../../engine/config/bootstrap.ts";
import { lockSqliteStore, type RunnerLock } from "./runner-lock.ts";
import { ConfigError, ConfigErrors } from "../../common/errors.ts";
import { nodeHost } from "../project-host.ts";
import { shadowAtBoot } from "../shadow/boot.ts";
import { createShadow, type Shadow } from "../shadow/control.ts";
import { shadowMetrics } from "../shadow/metrics.ts";
import { loadCandidate, shadowSource } from "../shadow/source.ts";
import { closableListener } from "./http-close.ts";
import { clockCheck, MAX_CLOCK_SKEW_MS } from "../cluster/clock-check.ts";

/** How long a stopping runner lets busy HTTP connections finish before it cuts them (then the worker drains). */
const HTTP_CLOSE_GRACE_MS = 5_000;

export interface RuntimeOptions {
  /** mapping.config.yaml, absolute or relative to `cwd`. */
  readonly configPath: string;
  readonly cwd?: string;
  readonly port?: number;
  readonly host?: string;
  readonly adminToken: string;
  /** Read-only dashboard and /metrics (KOPPEL_VIEWER_TOKEN). */
  readonly viewerToken?: string;
  /** Base URL people reach the dashboard at, for links in alerts (KOPPEL_PUBLIC_URL); default the listening URL. */
  readonly publicUrl?: string;
  /** Serve the dashboard pages (default true); the API, webhooks and /metrics are served either way. */
  readonly dashboard?: boolean;
  /** Used for alert POSTs (tests: a recording fetch); default the global fetch. */
  readonly alertFetch?: typeof fetch;
  /**
   * Fire schedules on their own (default true). False: nothing is polled until `scheduler.pollNow`
   * or a webhook's request (schedule.pollOnWebhook), so a caller that counts what reaches AFAS is
   * never joined by a clock-aligned tick.
   */
  readonly schedules?: boolean;
  /** How often retention purges (default hourly; the first pass runs at start). */
  readonly retentionEveryMs?: number;
  /** Overrides the config's store.url (KOPPEL_STORE); a relative SQLite path is from `cwd`, the config's from its folder. */
  readonly storeUrl?: string;
  /** Sandbox mode: the configured store's sandbox sibling (sandboxStoreUrl), never the live one. */
  readonly sandboxStore?: boolean;
  /** Accept unset ${env:…} in reload candidates (sandbox: the simulators fill them in). */
  readonly lenientEnv?: boolean;
  /** Sandbox mode: the simulators' origins; a version whose connections call anything else is refused. */
  readonly sandboxOrigins?: readonly string[];
  readonly concurrency?: number;
  readonly leaseMs?: number;
  /**
   * How long a webhook waits for a free worker slot before its event is queued instead (Worker.reserve;
   * KOPPEL_INTAKE_WAIT_MS, default 1 s; 0: never waits, though a slot free at once still takes the job).
   */
  readonly intakeWaitMs?: number;
  /** Lease expiries after which a job is failed as POISONED (KOPPEL_POISON_AFTER, default 3). */
  readonly poisonAfter?: number;
  readonly replicaId?: string;
  /** Passed to the connectors (tests: an in-process fetch). */
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
  /** Gets one JSON line per run that failed for good (`koppel serve`: stdout). */
  readonly logRun?: (line: string) => void;
  /** Retry timing (tests shorten it; production keeps the default ~12 h spread). */
  readonly backoff?: BackoffPolicy;
}

export interface Runtime {
  readonly url: string;
  readonly replicaId: string;
  /** The store this runner opened (KOPPEL_STORE, --store, the config's, or the sandbox's). */
  readonly storeUrl: string;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly versions: VersionRegistry;
  readonly worker: Worker;
  readonly scheduler: Scheduler;
  readonly reloader: Reloader;
  readonly metrics: Metrics;
  readonly alerter: Alerter;
  readonly retention: RetentionJob;
  /** Shadow runs: the switch (API, CLI) and the results' store role. */
  readonly shadow: Shadow;
  /** Graceful: stop taking webhooks, stop timers, let runs finish (or hand their jobs back), close the store. */
  stop(): Promise<void>;
}

/** Connector sets kept for recent versions: the registry's 20 plus room for shadow candidates. */
const KEPT_CONNECTOR_SETS = 32;

/**
 * Far below the webhook timeouts of AFAS and AsPos (tens of seconds), and well above a slot's wait
 * while the runner keeps up (at ~150 orders/s, 32 runs in flight free a quarter of their slots every
 * ~50 ms). Where it cannot, a held webhook times out once and the next ones are not held (Worker.reserve).
 */
const DEFAULT_INTAKE_WAIT_MS = 1_000;

/** Everything `koppel serve` runs in one process: HTTP, worker, scheduler, reload. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? (() => {});
  const configFile = resolve(cwd, options.configPath);
  const root = dirname(configFile);
  const replicaId = options.replicaId ?? `replica-${randomUUID().slice(0, 8)}`;
  const now = () => Date.now();

  const { bootstrap, errors: bootstrapErrors } = readBootstrap(configFile, nodeHost(configFile, { cwd, lenientEnv: options.lenientEnv ?? false }));
  if (!bootstrap) throw new ConfigErrors(bootstrapErrors);
  const storeUrl = chooseStoreUrl({
    explicit: options.storeUrl ?? process.env.KOPPEL_STORE, configured: bootstrap.store?.url, configDir: root, cwd, sandbox: options.sandboxStore ?? false,
  });
  const file = sqliteFileOf(storeUrl);
  const lock = file ? lockSqliteStore(file, process.pid, options.sandboxStore ?? false) : undefined;
  try {
    return await startOnStore({ options, cwd, log, configFile, root, replicaId, now, bootstrap, storeUrl, lock });
  } catch (error) {
    lock?.release();
    throw error;
  }
}

interface Start {
  readonly options: RuntimeOptions;
  readonly cwd: string;
  readonly log: (line: string) => void;
  readonly configFile: string;
  readonly root: string;
  readonly replicaId: string;
  readonly now: () => number;
  readonly bootstrap: Bootstrap;
  readonly storeUrl: string;
  readonly lock: RunnerLock | undefined;
}

async function startOnStore({ options, cwd, log, configFile, root, replicaId, now, bootstrap, storeUrl, lock }: Start): Promise<Runtime> {
  const store = await openStore(storeUrl);
  const queue = await openQueue(store, options.poisonAfter ? { poisonAfter: options.poisonAfter } : {});
  const gates = await openGates(store, storeUrl, { replicaId, onError: (e) => log(`afas slots: ${(e as Error).message}`) });
  const configRel = relative(root, configFile);
  const source = reloadSource(bootstrap.reload, root);
  const candidate = { lenientEnv: options.lenientEnv ?? false, ...(options.sandboxOrigins ? { onlyOrigins: options.sandboxOrigins } : {}) };
  const initial = await loadInitialVersion({ source, configPath: configRel, store, replicaId, candidate, cwd: root });
  /** Before anything started: what is open must close, or a PostgreSQL pool keeps the process alive. */
  const closeOpened = async () => {
    await gates.close();
    await queue.close();
    await store.close();
  };
  if (!initial.version) {
    await closeOpened();
    throw new ConfigError("RELOAD_REJECTED", `no mapping version could be loaded:\n${initial.result.errors.join("\n")}`);
  }
  const versions = createVersionRegistry(initial.version);
  const config = () => versions.current().project.config;
  const privacy = loggingPolicy(() => config().logging);
  // Ingest stores search text with the run; emails in it become tokens unless payloads are kept in full.
  const ingestStore = pseudonymizingStore(store, () => privacy.mode() !== "full");
  const metrics = createMetrics({
    queueDepth: () => queue.depth(),
    // Read at scrape time, once the reloader below exists.
    reload: () => {
      const { activeSha, lastResult } = reloader.status();
      return { activeSha, rejected: lastResult !== null && !lastResult.ok };
    },
  });
  let publicUrl = options.publicUrl ?? process.env.KOPPEL_PUBLIC_URL;
  const alerter = createAlerter({
    targets: () => config().alerts,
    now,
    dashboardUrl: () => publicUrl,
    log,
    cluster: { claim: (name, windowMs) => store.tryLock(name, replicaId, windowMs), release: (name) => store.unlock(name, replicaId) },
    ...(options.alertFetch ? { fetch: options.alertFetch } : {}),
  });

  // No fetch outside tests: the connectors' own node:http transport (runner/connectors/http/node-transport.ts).
  const connectorSets = versionCache((version): ReadonlyMap<string, Connector> => createConnectors(version.project.config.connections, {
    ...(options.fetch ? { fetch: options.fetch } : {}), observe: metrics.upstreamCall, gates: gates.factory, schemaKeys: version.project.schemaKeys,
  }), KEPT_CONNECTOR_SETS);
  const connectors = (version: MappingVersion): ReadonlyMap<string, Connector> => connectorSets.get(version);

  const shadowFrom = shadowSource(source, configFile, root);
  const shadow = createShadow({
    store, now, log,
    redact: privacy.redact,
    load: (ref) => loadCandidate(shadowFrom, ref, candidate),
    // Within a candidate's read budget only: the live version's connectors, caps and gates included.
    liveFind: (version) => (req) => {
      const connector = connectors(version).get(req.connection);
      if (!connector) throw new ConfigError("UNKNOWN_CONNECTION", `connection '${req.connection}' is not configured in this runner`);
      return connector.find(req);
    },
    metrics: shadowMetrics(metrics.registry),
  });

  const claimedAt = new Map<string, number>();
  const leaseMs = options.leaseMs ?? 60_000;
  // A sixth of the lease: extensions come every third, so a skew past that could reap a live one.
  const clock = clockCheck(() => store.clockSkew(), log, Math.min(MAX_CLOCK_SKEW_MS, leaseMs / 6));
  const worker = createWorker({
    store, versions, connectors, now, workerId: replicaId,
    paused: () => clock.off,
    queue,
    onClaimed: (jobs) => jobs.forEach((job) => claimedAt.set(job.id, now())),
    redact: privacy.redact,
    leaseMs,
    // Jobs in flight, well above AFAS's cap of 8 calls: a run spends part of its time in bookkeeping
    // (claim, ledger, record commits) holding no AFAS slot. With concurrency = the cap, the 8 slots
    // were busy 4.0 of 8 on average at 50 ms AFAS latency (measured); with 32 jobs in flight, the
    // extra ones wait at the connection's semaphore and the slots stay busy 8.0 of 8.
    concurrency: options.concurrency ?? 32,
    // The class and code only: a message may quote the event (customer data must not reach stderr).
    onError: (e, job) => log(`worker: ${errorLabel(e)}${job ? ` (flow ${job.flow}, run ${job.runId})` : ""}`),
    onProcessed: (job) => {
      const started = claimedAt.get(job.jobId);
      claimedAt.delete(job.jobId);
      metrics.processed(job, started === undefined ? undefined : now() - started);
      alerter.processed(job);
      const line = options.logRun && failedRunLine(job, now());
      if (line) options.logRun!(line);
    },
    ...(options.backoff ? { backoff: options.backoff } : {}),
    onFinished: shadow.onFinished,
  });
  const incidents = createIncidents({ now, log, count: metrics.incident, alert: alerter.incident });
  const scheduler = createScheduler({
    store: ingestStore, versions, replicaId, paused: () => clock.off, connector: (name) => connectors(versions.current()).get(name),
    onTick: (tick) => {
      incidents.tick(tick);
      // Polled records wait ready in the queue: claimed now, and before any further hand-off (oldest first).
      if (tick.enqueued) worker.wake();
    },
  });
  const heartbeat = async () => {
    await store.heartbeat({ id: replicaId, version: versions.current().sha }).catch((e: unknown) => log(`heartbeat: ${errorLabel(e)}`));
    await clock.check();
  };
  const reloader = createReloader({
    source, configPath: configRel, store, versions, replicaId, candidate, cwd: root,
    initialResult: initial.headRejected ?? initial.result,
    readAtStart: options.storeUrl ?? process.env.KOPPEL_STORE ? ["reload"] : ["reload", "store"],
    onActivated: (v) => {
      log(`reload: now running ${v.sha.slice(0, 12)}`);
      scheduler.refresh();
      // At once, not at the next beat: a rollout is checked against /api/status → replicas.
      void heartbeat();
    },
    onRejected: (errors, result) => {
      log(`reload rejected; the running version stays:\n${errors.join("\n")}`);
      alerter.reloadRejected(errors, result.sha);
    },
  });
  if (initial.headRejected) {
    // Said once here: the reloader takes this result as its last, so it stays quiet while the head stays broken.
    const { errors, sha } = initial.headRejected;
    log(`reload: the branch head ${sha?.slice(0, 12) ?? "(unreachable)"} was rejected at start; running the last good version ${initial.version.sha.slice(0, 12)}:\n${errors.join("\n")}`);
    alerter.reloadRejected(errors, sha);
  }

  const commit = groupCommit(ingestStore, { handOff: worker });
  const intakeWaitMs = options.intakeWaitMs ?? DEFAULT_INTAKE_WAIT_MS;
  const webhooks: WebhookRouteDeps = {
      sources: sourceLookup(() => versions.current().project.config.webhooks),
      accept: async (input) => {
        const { event, polls } = await toNewEvent(versions.current(), input, now);
        const slots = await worker.reserve(event.jobs.length, intakeWaitMs);
        const accepted = await commit.accept(event, slots);
        metrics.webhookAccepted(input.source, accepted.duplicate ? "duplicate" : accepted.runIds.length ? "accepted" : polls.length ? "poll" : "no-flow");
        // Jobs the accept did not lease to this worker wait ready in the table: claim them soon.
        const leased = new Set(accepted.leased?.map((job) => job.runId));
        const ready = event.jobs.filter((_, i) => !leased.has(accepted.runIds[i]!));
        if (accepted.runIds.length && ready.length) worker.wake(ready.map((job) => job.runKey ?? null));
        // Asked after the commit, and for a duplicate too (the sender retries when it got no answer,
        // which may be a runner that stopped before its poll). The sender gets its answer now; a
        // poll lost to a stop is the next tick's, which reads the same changes.
        for (const flow of polls) scheduler.requestPoll(flow);
        return { eventId: accepted.eventId, duplicate: accepted.duplicate, runIds: accepted.runIds, polls };
      },
      onRefused: (source, code) => metrics.webhookRefused(source, code),
      onAcceptError: incidents.acceptFailed,
      peerAddress: peerOf,
      now,
  };
  const app = createApp({
    adminToken: options.adminToken,
    ...(options.viewerToken ? { viewerToken: options.viewerToken } : {}),
    webhooks,
    ready: async () => {
      if (clock.off) return false;
      try {
        await queue.depth();
        return true;
      } catch {
        return false;
      }
    },
    status: async () => ({
      replica: replicaId,
      version: reloader.status(),
      queue: await queue.depth(),
      flows: await store.flowStats({ from: now() - 24 * 3600_000 }),
      replicas: await store.replicas(now() - 60_000),
      incidents: incidents.list(),
    }),
    reload: () => reloader.checkNow(),
    replay: (runId, current) => answerReplay(() => replayRun(registryReplayDeps(store, queue, versions, now), runId, { current }).finally(() => worker.wake())),
    // Claimed at once rather than at the worker's next idle look.
    retryNow: (runId) => answerReplay(() => retryRunNow({ store, queue }, runId).finally(() => worker.wake())),
    metrics: () => metrics.text(),
    shadow: { control: shadow, store },
    sessionRevocations: store,
    ...(options.dashboard === false ? {} : {
      dashboard: {
        store, now,
        flows: () => [...versions.current().project.flows.keys()],
        queueDepth: () => queue.depth(),
        blockedBy: (runId) => queue.blockedBy(runId),
        reloadStatus: () => reloader.status(),
        connections: () => metrics.connections(),
        incidents: incidents.list,
        searchTerm: privacy.searchTerm,
        redact: privacy.redact,
      },
    }),
  });

  // Webhooks skip Hono's request wrapping (the ingest bench's hot path); the route stays one definition.
  const http = closableListener(refusingAmbiguousPaths(withWebhookFastPath(webhooks, getRequestListener(app.fetch))));
  const server = createServer(http.listener);
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", () => resolveListen());
    });
  } catch (error) {
    await closeOpened();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${options.host === "0.0.0.0" || !options.host ? "127.0.0.1" : options.host}:${address.port}`;
  publicUrl ??= url;

  await heartbeat();
  const beat = setInterval(heartbeat, 15_000);
  beat.unref();

  worker.start();
  if (options.schedules !== false) scheduler.start();
  await reloader.start();
  // In the background: checking a candidate out and running its fixture cases must not hold up live.
  const shadowBoot = shadowAtBoot(shadow, store, config().shadow, now, log).catch((e: unknown) => log(`shadow: ${errorLabel(e)}`));
  // Replicas follow a candidate another one started or stopped; a lapsed `until` is noticed here too.
  const shadowSync = setInterval(() => void shadow.sync().catch((e: unknown) => log(`shadow: ${errorLabel(e)}`)), 5_000);
  shadowSync.unref();
  const retention = startRetention({
    store, now, replicaId,
    config: () => config().logging?.retention,
    onError: (e) => log(`retention: ${errorLabel(e)}`),
    ...(options.retentionEveryMs ? { everyMs: options.retentionEveryMs } : {}),
  });

  let stopped: Promise<void> | undefined;
  return {
    url, replicaId, storeUrl, store, queue, versions, worker, scheduler, reloader, metrics, alerter, retention, shadow,
    stop() {
      stopped ??= (async () => {
        // Held webhooks are answered now, not after their wait while the server closes.
        worker.closeIntake();
        clearInterval(beat);
        clearInterval(shadowSync);
        await retention.stop();
        await http.close(server, HTTP_CLOSE_GRACE_MS);
        await reloader.stop();
        await scheduler.stop();
        await worker.stop({ graceMs: 10_000 });
        await shadowBoot;
        await shadow.close();
        await alerter.idle();
        for (const set of connectorSets.values()) for (const c of set.values()) await c.close?.();
        await gates.close();
        await queue.close();
        // Listed as a replica no longer: the pages and /api/status showed a stopped one for a minute.
        await store.leave(replicaId).catch((e: unknown) => log(`leave: ${errorLabel(e)}`));
        await store.close();
        lock?.release();
      })();
      return stopped;
    },
  };
}
