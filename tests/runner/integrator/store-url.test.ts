import { describe, expect, it } from "vitest";
import type { Project } from "../../../engine/config/load.ts";
import { sandboxStoreUrl, storeUrlFor } from "../../../runner/integrator/store-url.ts";

const project = (url?: string) => ({ configFile: "/repo/deploy/mapping.config.yaml", config: { ...(url ? { store: { url } } : {}) } }) as unknown as Project;

describe("which store a command opens", () => {
  it("a relative SQLite path in the config is from the config's folder; --store and KOPPEL_STORE from the working directory", () => {
    delete process.env.KOPPEL_STORE;
    expect(storeUrlFor(undefined, project("sqlite:./data/koppel.db"), "/somewhere")).toBe("sqlite:/repo/deploy/data/koppel.db");
    expect(storeUrlFor(undefined, project(), "/somewhere")).toBe("sqlite:/repo/deploy/data/koppel.db");
    expect(storeUrlFor("sqlite:./mine.db", project("sqlite:./data/koppel.db"), "/somewhere")).toBe("sqlite:/somewhere/mine.db");
    expect(storeUrlFor(undefined, project("postgres://db/koppel"), "/somewhere")).toBe("postgres://db/koppel");
  });

  it("sandbox mode never opens the live store", () => {
    expect(sandboxStoreUrl("sqlite:./data/koppel.db")).toBe("sqlite:./data/koppel.sandbox.db");
    expect(sandboxStoreUrl("sqlite:/var/lib/koppel/state")).toBe("sqlite:/var/lib/koppel/state.sandbox.db");
    expect(sandboxStoreUrl("postgres://db/koppel")).toBe("sqlite:./data/koppel.sandbox.db");
    expect(sandboxStoreUrl("sqlite::memory:")).toBe("sqlite::memory:");
  });
});
