/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { Session } from "../session.ts";
import { CSS } from "./style.ts";

export interface LayoutProps {
  readonly title: string;
  readonly session?: Session | null;
  /** Reload the page every n seconds (a run that is still going). */
  readonly refresh?: number;
  readonly children?: Child;
}

export function Layout({ title, session, refresh, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refresh ? <meta http-equiv="refresh" content={String(refresh)} /> : null}
        <title>{`${title} · Koppel`}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <a class="brand" href="/">Koppel</a>
          {session ? (
            <>
              <a href="/">Flows</a>
              <a href="/runs">Runs</a>
              <a href="/failed">Failed</a>
              <a href="/versions">Versions</a>
              <a href="/shadow">Shadow</a>
              <span class="muted">{session.role}</span>
              <form class="inline" method="post" action="/logout">
                <input type="hidden" name="csrf" value={session.csrf} />
                <button class="secondary" type="submit">Log out</button>
              </form>
            </>
          ) : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

/** A POST form with the session's CSRF token; admins only, so viewers see no buttons they cannot use. */
export function AdminForm({ session, action, children }: { session: Session; action: string; children?: Child }) {
  if (session.role !== "admin") return null;
  return (
    <form class="inline" method="post" action={action}>
      <input type="hidden" name="csrf" value={session.csrf} />
      {children}
    </form>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{status}</span>;
}
