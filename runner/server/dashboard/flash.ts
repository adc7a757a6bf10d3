import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isHttps, type Sessions } from "../session.ts";

const NOTICE_COOKIE = "koppel_notice";

/**
 * What an action did, said on the page it redirects to. Carried in a cookie only the action sets
 * (HttpOnly, SameSite=Strict, one minute, signed with the session key), not in the URL:
 * `/failed?replayed=250` once made the page claim 250 replays that never happened, for anyone who
 * followed such a link; the signature keeps a cookie planted from elsewhere (a sibling subdomain,
 * plain HTTP) from doing the same.
 */
export function flash(c: Context, sessions: Pick<Sessions, "sign">, notice: string): void {
  const text = encodeURIComponent(notice);
  setCookie(c, NOTICE_COOKIE, `${text}.${sessions.sign(text)}`, { httpOnly: true, sameSite: "Strict", path: "/", secure: isHttps(c), maxAge: 60 });
}

/** The notice the last action left, once: reading it removes it. */
export function takeFlash(c: Context, sessions: Pick<Sessions, "sign">): string | undefined {
  const value = getCookie(c, NOTICE_COOKIE);
  if (value === undefined) return undefined;
  deleteCookie(c, NOTICE_COOKIE, { path: "/" });
  const dot = value.lastIndexOf(".");
  const text = value.slice(0, dot);
  if (dot < 0 || value.slice(dot + 1) !== sessions.sign(text)) return undefined;
  try {
    return decodeURIComponent(text) || undefined;
  } catch {
    return undefined;
  }
}
