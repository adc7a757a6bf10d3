import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isHttps } from "../session.ts";

const NOTICE_COOKIE = "koppel_notice";

/**
 * What an action did, said on the page it redirects to. Carried in a cookie only the action sets
 * (HttpOnly, SameSite=Strict, one minute), not in the URL: `/failed?replayed=250` once made the page
 * claim 250 replays that never happened, for anyone who followed such a link.
 */
export function flash(c: Context, notice: string): void {
  setCookie(c, NOTICE_COOKIE, encodeURIComponent(notice), { httpOnly: true, sameSite: "Strict", path: "/", secure: isHttps(c), maxAge: 60 });
}

/** The notice the last action left, once: reading it removes it. */
export function takeFlash(c: Context): string | undefined {
  const value = getCookie(c, NOTICE_COOKIE);
  if (value === undefined) return undefined;
  deleteCookie(c, NOTICE_COOKIE, { path: "/" });
  try {
    return decodeURIComponent(value) || undefined;
  } catch {
    return undefined;
  }
}
