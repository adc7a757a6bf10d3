// A checkout runs bin/koppel.js from dist/; this says when dist/ is older than the sources it was
// compiled from, so yesterday's build never runs by accident. Plain JavaScript: it runs before any
// build exists. The installed package has no sources and never loads this file.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const SOURCES = ["common", "engine", "runner", "sandbox"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json", "schemas/flow.schema.json", "schemas/config.schema.json", "schemas/test.schema.json"];

/** Why dist/ must be rebuilt before it runs, or undefined when it is current. */
export function staleBuild(root) {
  const built = mtime(join(root, "dist/.tsbuildinfo"));
  if (built === undefined) return "there is no compiled build in dist/";
  let newest = { file: "", time: 0 };
  const consider = (file) => {
    const time = mtime(file) ?? 0;
    if (time > newest.time) newest = { file, time };
  };
  for (const dir of SOURCES) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && /\.tsx?$/.test(entry.name)) consider(join(entry.parentPath, entry.name));
    }
  }
  for (const file of CONFIGS) consider(join(root, file));
  return newest.time > built ? `${newest.file.slice(root.length)} is newer than the compiled build in dist/` : undefined;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

// `npm run build` ends with `node scripts/stale-build.js --stamp`: tsc leaves dist/.tsbuildinfo
// untouched when nothing it emits changed (a checkout that only moved mtimes), and the guard above
// would then refuse a build that is in fact current. The build is `tsc -p`, not `tsc -b`: -b judged
// itself up to date by the .ts files alone and kept the old copy of an edited JSON schema in dist/,
// which this stamp then passed as current.
if (process.argv[2] === "--stamp" && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { utimesSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const now = new Date();
  utimesSync(join(fileURLToPath(new URL("..", import.meta.url)), "dist/.tsbuildinfo"), now, now);
}
