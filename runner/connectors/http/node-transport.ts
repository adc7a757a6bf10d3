import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { urlToHttpOptions } from "node:url";
import { boundedMemo } from "../../../common/bounded-memo.ts";
import type { AnswerHeaders, Transport } from "./transport.ts";
import { NOT_SENT } from "./transport-error.ts";

function answerHeaders(raw: IncomingHttpHeaders): AnswerHeaders {
  return {
    get(name) {
      const value = raw[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** What fetch's timeout signal rejects with; transportError reads its name. */
function timeoutError(timeoutMs: number): Error {
  return new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError");
}

/**
 * A socket idle this long is closed by us, before the server does it (Node's default is 5 s, IIS's
 * 120 s). Otherwise a request sent on it just as the server hangs up is reset before any answer,
 * and for an AFAS insert that reads as a lost answer (UPSTREAM_UNCERTAIN) although nothing was
 * read. The timeout applies to sockets in the pool only; a call in progress has its own.
 */
export const POOL_IDLE_MS = 4_000;

/** Finds put their filters in the query, so most URLs are seen once: the cache is only kept this big. */
const KNOWN_URLS = 256;

/**
 * node:http(s) with keep-alive agents of the connection's own. Why not fetch: at lat0 (peers bench,
 * compiled build) undici fetch with ofetch on top was ~14 % of the serve process's CPU (request and
 * response objects, web streams, a transferable per body), the largest item after SQLite; a plain
 * request on a kept-alive socket does the same exchange for a fraction of that (node:http client
 * side ~5 % after; `npx tsx bench/e2e.ts --orders 1500 --warmup 300`, main vs this, alternated on
 * one loaded box: lat0 CPU ms/order 1.93 and 2.71 -> 1.28 and 1.20). The agents pool
 * sockets without a limit of their own: the connection's cap (HttpClient.capped) bounds the calls.
 */
export function nodeTransport(poolIdleMs = POOL_IDLE_MS): Transport {
  const keepAlive = { keepAlive: true, timeout: poolIdleMs };
  const agents = { "http:": new HttpAgent(keepAlive), "https:": new HttpsAgent(keepAlive) };
  // A connection sends to the same few URLs over and over (one per AFAS connector): parsed once,
  // not by `new URL` and node's own conversion of it on every call (~1 % of the runner's CPU at lat0).
  const target = boundedMemo((url): RequestOptions => urlToHttpOptions(new URL(url)), KNOWN_URLS);
  return (req) =>
    new Promise((resolve, reject) => {
      const url = target(req.url);
      const protocol = url.protocol === "https:" ? "https:" : "http:";
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
      const send = protocol === "https:" ? httpsRequest : httpRequest;
      const call = send({ ...url, method: req.method, headers, agent: agents[protocol] }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: answerHeaders(res.headers), text });
        });
        res.on("error", fail);
      });
      // The whole exchange, answer body included, as fetch's timeout signal covered it.
      const timer = setTimeout(() => call.destroy(timeoutError(req.timeoutMs)), req.timeoutMs);
      // 'finish': the whole request was handed to the connected socket. A failure before it (no
      // connection within the time, say) cannot have been carried out upstream.
      let written = false;
      call.on("finish", () => (written = true));
      function fail(error: Error) {
        clearTimeout(timer);
        if (!written) Object.defineProperty(error, NOT_SENT, { value: true });
        reject(error);
      }
      call.on("error", fail);
      call.end(req.body);
    });
}
