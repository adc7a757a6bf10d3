/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { Layout } from "./layout.tsx";

export function Login({ next, failed }: { next: string; failed?: boolean }) {
  return (
    <Layout title="Log in">
      <h1>Log in</h1>
      <form class="card" method="post" action="/login">
        {failed ? <p class="bad">That token is not valid.</p> : null}
        <input type="hidden" name="next" value={next} />
        <p>
          <label for="token">Admin or viewer token</label><br />
          <input id="token" name="token" type="password" autocomplete="current-password" required class="token" />
        </p>
        <button type="submit">Log in</button>
        <p class="muted">The admin token is KOPPEL_ADMIN_TOKEN (sandbox mode prints one at start); KOPPEL_VIEWER_TOKEN gives read-only access.</p>
      </form>
    </Layout>
  );
}
