#!/usr/bin/env node
// Runs the compiled CLI in dist/ (`npm run build`; `npm ci` builds it through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

const root = fileURLToPath(new URL("..", import.meta.url));
// Only a checkout has the TypeScript sources next to dist/: refuse to run a build older than them.
if (existsSync(new URL("../runner/", import.meta.url))) {
  const { staleBuild } = await import("../scripts/stale-build.js");
  const stale = staleBuild(root);
  if (stale) {
    process.stderr.write(`koppel: ${stale}; run \`npm run build\` first\n`);
    process.exit(70);
  }
}
// A reader that stops early (`koppel test | head`) closes the pipe: the rest of the output goes
// nowhere and the command still ends with its own exit code, instead of a crash with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    stream.write = () => true;
  });
}
// A mapping's regular expression that backtracks without end ((a+)+$ on a long text) held the
// event loop for hours: EXPR_TIMEOUT cannot stop a match under way. Past V8's backtrack limit such a
// match goes on in its linear-time engine instead (not a pattern with backreferences or lookaround).
setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");
const { main } = await import("../dist/runner/cli.js");
process.exitCode = await main(process.argv.slice(2));
