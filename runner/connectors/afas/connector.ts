import type { FindRequest, FindResult, SendRequest, SendResult } from "../../../engine/flow/port.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { unreadableAnswer } from "../http/unreadable.ts";
import type { CallHooks, Connector, PollPage, SendHooks } from "../types.ts";
import type { AfasConnectionConfig } from "./config.ts";
import { deletePath } from "./delete-path.ts";
import { envelopeOf, toEnvelope } from "./envelope.ts";
import { anyOfGroups } from "../any-of.ts";
import { buildQuery, groupsWithin, sortRows, stableOrder, type GetQuery } from "./filters.ts";
import { AfasHttp, MAX_QUERY_LENGTH, type AfasHttpOptions } from "./http.ts";
import { KeyCatalog } from "./keys.ts";
import type { Filter } from "../../../engine/flow/port.ts";
import { hasKey } from "../../../engine/flow/record-key.ts";
import { addSeconds, CHANGED_FIELD, decodeCursor, encodeCursor, fromSecond, keepRewound, nextSecond, profitLocalTime, rewindForRepeatedHour, secondOf, withinSecond } from "./poll.ts";
import type { StopSignal } from "../http/gate.ts";

export interface AfasConnectorOptions extends AfasHttpOptions {
  /** Rows per GetConnector call; AFAS advises columns × rows below 150,000. */
  pageSize?: number;
  /** Polls leave out rows changed in the last `pollLagMs` (default 10 s) while their writes may still commit. */
  pollLagMs?: number;
  /** The project's schemas' x-key, read at its load (Project.schemaKeys); absent: Koppel's own schemas. */
  schemaKeys?: ReadonlyMap<string, readonly string[]>;
}

export interface AfasConnector extends Connector {
  readonly type: "afas";
  readonly http: AfasHttp;
}

type Row = Record<string, unknown>;

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_POLL_LAG_MS = 10_000;

export function createAfasConnector(name: string, config: AfasConnectionConfig, options: AfasConnectorOptions = {}): AfasConnector {
  const http = new AfasHttp(name, config, options);
  const keys = new KeyCatalog(http, options.schemaKeys);
  const pageSize = Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE);
  const lagMs = options.pollLagMs ?? config.pollLagMs ?? DEFAULT_POLL_LAG_MS;
  const now = options.now ?? Date.now;
  const objectOf = (source: string): string => (source.startsWith(`${name}.`) ? source.slice(name.length + 1) : source);

  async function page(connector: string, query: GetQuery, log: Exchange[], signal?: StopSignal): Promise<Row[]> {
    const { status, body } = await http.call({
      method: "GET", path: `/connectors/${encodeURIComponent(connector)}`, query: buildQuery(query),
      action: `read ${connector}`, connector, ...(signal ? { signal } : {}),
    }, log);
    const rows = (body as { rows?: unknown } | undefined)?.rows;
    if (!Array.isArray(rows)) throw unreadableAnswer(name, `AFAS read ${connector}`, status, body, log);
    return rows as Row[];
  }

  /** Reads pages until `limit` rows or a short page; the sort includes the key so pages never overlap. */
  async function readAll(connector: string, groups: GetQuery["groups"], orderBy: GetQuery["orderBy"], limit: number, log: Exchange[], signal?: StopSignal): Promise<Row[]> {
    const rows: Row[] = [];
    while (rows.length < limit) {
      const take = Math.min(pageSize, limit - rows.length);
      const got = await page(connector, { groups, orderBy, skip: rows.length, take }, log, signal);
      rows.push(...got);
      if (got.length < take) break;
    }
    return rows;
  }

  async function find(req: FindRequest, hooks: CallHooks = {}): Promise<FindResult> {
    const exchanges: Exchange[] = [];
    const connector = req.object;
    const keyFields = await keys.getKeys(connector, exchanges, hooks.signal);
    const orderBy = stableOrder(req.orderBy, keyFields);
    const groups = anyOfGroups(req.where);
    if (groups.length === 0) return { rows: [], exchanges };
    const limit = req.take ?? Number.POSITIVE_INFINITY;
    const parts = groupsWithin(groups, orderBy, pageSize, MAX_QUERY_LENGTH);
    if (parts.length === 1) return { rows: await readAll(connector, groups, orderBy, limit, exchanges, hooks.signal), exchanges };
    // Too many values for one query: one read per part. Values Profit takes as equal (601826 and
    // "601826", ABC and abc) may sit in two parts and find one row twice: a row is kept once, by key.
    const rows = new Map<string, Row>();
    for (const part of parts) {
      for (const row of await readAll(connector, part, orderBy, limit, exchanges, hooks.signal)) rows.set(JSON.stringify(keyFields.map((k) => row[k] ?? null)), row);
    }
    return { rows: sortRows([...rows.values()], orderBy).slice(0, limit), exchanges };
  }

  async function send(req: SendRequest, hooks: SendHooks = {}): Promise<SendResult> {
    const exchanges: Exchange[] = [];
    const connector = req.object;
    const keyFields = await keys.updateKeys(connector, exchanges, hooks.signal);
    const op = req.op === "upsert" ? (hasKey(req.payload, keyFields) ? "update" : "insert") : req.op;
    const path = `/connectors/${encodeURIComponent(connector)}`;
    const given = Object.fromEntries(keyFields.filter((k) => req.payload[k] !== undefined).map((k) => [k, req.payload[k]]));
    const signal = hooks.signal ? { signal: hooks.signal } : {};

    if (op === "delete") {
      await http.call({ method: "DELETE", path: deletePath(connector, req.payload, keyFields), action: `delete ${connector}`, connector, ...signal }, exchanges);
      return { result: given, exchanges };
    }
    const { body } = await http.call({
      method: op === "insert" ? "POST" : "PUT", path, body: toEnvelope(connector, req.payload), bodyOf: envelopeOf(connector), action: `${op} ${connector}`, connector,
      ...(hooks.beforeCreate ? { beforeCreate: hooks.beforeCreate } : {}), ...signal,
    }, exchanges);
    // `results` is keyed by the root object (FiEntryPar) or the connector; take whichever comes first.
    const results = (body as { results?: Record<string, unknown> } | undefined)?.results;
    const assigned = results ? Object.values(results)[0] : undefined;
    const result = typeof assigned === "object" && assigned !== null ? { ...given, ...(assigned as Row) } : given;
    return { result, exchanges };
  }

  async function poll(source: string, cursor: string | null, limit: number, start: number | null = null): Promise<PollPage> {
    const log: Exchange[] = [];
    const connector = objectOf(source);
    const keyFields = await keys.getKeys(connector, log);
    const byKey = keyFields.map((field) => ({ field }));
    const bound: Filter = { field: CHANGED_FIELD, op: "lt", value: profitLocalTime(now() - lagMs) };
    const records: Row[] = [];
    // Without a cursor, a start moment stands for one: just before its second, in Profit's clock.
    const since = cursor
      ? rewindForRepeatedHour(decodeCursor(cursor), now() - lagMs)
      : start === null ? null : { t: addSeconds(profitLocalTime(start), -1), k: null };
    let position = since;
    const done = (hasMore: boolean): PollPage => ({
      records,
      cursor: position ? encodeCursor(keepRewound(position, since?.r)) : cursor,
      hasMore,
    });

    /** Reads second `t` in key order after `after`; false when the limit cut it. */
    const readSecond = async (t: string, after: readonly unknown[] | null): Promise<boolean> => {
      const room = limit - records.length;
      if (room === 0) {
        // Earlier seconds, whole, filled the page: the next poll starts at `t`. A place inside `t`
        // taken from their last row's key would skip the rows of `t` whose keys sort before it.
        position = { t: secondOf(records[records.length - 1]!), k: null };
        return false;
      }
      const rows = await readAll(connector, withinSecond(t, keyFields, after, bound), byKey, room + 1, log);
      records.push(...rows.slice(0, room));
      const last = records[records.length - 1];
      position = rows.length > room && last ? { t, k: keyFields.map((k) => last[k] ?? null) } : { t, k: null };
      return rows.length <= room;
    };

    if (position?.k) {
      if (!(await readSecond(position.t, position.k))) return done(true);
    }
    while (records.length < limit) {
      const room = limit - records.length;
      const from = position ? nextSecond(position.t) : null;
      const rows = await readAll(connector, fromSecond(from, bound), [{ field: CHANGED_FIELD }, ...byKey], room + 1, log);
      if (rows.length === 0) break;
      const lastSecond = secondOf(rows[rows.length - 1]!);
      // Seconds before the last one arrived whole: the sort puts every row of a second before the next second.
      records.push(...rows.filter((r) => secondOf(r) < lastSecond));
      if (!(await readSecond(lastSecond, null))) return done(true);
      if (rows.length <= room) break;
    }
    return done(false);
  }

  // An insert is a POST, and every POST waits for beforeCreate in its slot (AfasHttp.call).
  const marksBeforeSending = (req: SendRequest) => req.op === "insert";
  return { type: "afas", name, http, find, send, poll, pollLagMs: lagMs, marksBeforeSending };
}
