import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/build.global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Whole-system tests start real processes and share ports/databases; keep files in separate forks.
    pool: "forks",
  },
});
