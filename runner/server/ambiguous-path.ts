import type { RequestListener } from "node:http";
import { errorBody } from "./error-body.ts";

/**
 * A path that means one thing to a proxy comparing raw text and another once parsed: a `.` or `..`
 * segment, plain or written with %2e (the URL parser resolves both: `/webhooks/%2e%2e/api/status`
 * is `/api/status`), or a slash or backslash written as %2f / %5c. A proxy that lets only `/webhooks/`
 * through from the internet by raw prefix would pass such a request on to the dashboard and the
 * API. No route of ours needs one; the query string is not checked (`?next=%2Fruns`).
 */
export function ambiguousPath(target: string): boolean {
  // Every request passes here: a path with no dot, percent or backslash (a webhook's) needs no split.
  if (!/[.%\\]/.test(target)) return false;
  const path = target.split(/[?#]/, 1)[0]!;
  if (/%2f|%5c|\\/i.test(path)) return true;
  return path.split("/").some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

const REFUSED = JSON.stringify(errorBody("BAD_REQUEST", "the request path has a . or .. segment or an encoded slash; send the path it stands for"));

export function refusingAmbiguousPaths(next: RequestListener): RequestListener {
  return (req, res) => {
    if (!ambiguousPath(req.url ?? "/")) return next(req, res);
    res.writeHead(400, { "content-type": "application/json", "content-length": Buffer.byteLength(REFUSED) });
    res.end(REFUSED);
  };
}
