#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on load so there is no build step to forget.
// Koppel's own tsconfig applies wherever the command is run from (a mapping repository, say).
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../runner/cli.ts");
process.exitCode = await main(process.argv.slice(2));
