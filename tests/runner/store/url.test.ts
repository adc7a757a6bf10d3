import { describe, expect, it } from "vitest";
import { chooseStoreUrl, sandboxStoreUrl, storeUrlFor, type StoreConfigured } from "../../../runner/store/url.ts";
import { withoutPassword } from "../../../runner/store/printable-url.ts";
import { checkStoreUrl } from "../../../runner/store/open.ts";

const project = (url?: string): StoreConfigured => ({ configFile: "/repo/deploy/mapping.config.yaml", config: { ...(url ? { store: { url } } : {}) } });

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
    expect(sandboxStoreUrl("sqlite:./data/koppel.sandbox.db")).toBe("sqlite:./data/koppel.sandbox.db");
  });

  it("serve's choice is the same rule: an explicit store from the working directory, the configured one from the config's folder, sandbox beside it", () => {
    const paths = { configDir: "/repo/deploy", cwd: "/somewhere" };
    expect(chooseStoreUrl({ ...paths, explicit: "sqlite:./mine.db", configured: "sqlite:./data/koppel.db" })).toBe("sqlite:/somewhere/mine.db");
    // KOPPEL_STORE of a live deployment still set in the shell: sandbox mode keeps away from it.
    expect(chooseStoreUrl({ ...paths, explicit: "sqlite:./mine.db", configured: "sqlite:./data/koppel.db", sandbox: true })).toBe("sqlite:/somewhere/mine.sandbox.db");
    expect(chooseStoreUrl({ ...paths, explicit: "postgres://db/koppel", sandbox: true })).toBe("sqlite:/somewhere/data/koppel.sandbox.db");
    expect(chooseStoreUrl({ ...paths, configured: "sqlite:./data/koppel.db", sandbox: true })).toBe("sqlite:/repo/deploy/data/koppel.sandbox.db");
    expect(chooseStoreUrl({ ...paths, configured: "", explicit: "" })).toBe("sqlite:/repo/deploy/data/koppel.db");
    expect(chooseStoreUrl({ ...paths, configured: "postgres://db/koppel" })).toBe("postgres://db/koppel");
  });
});

describe("a store URL as serve's banner and the commands print it", () => {
  it("hides the password wherever the URL holds one, and keeps the rest", () => {
    expect(withoutPassword("postgres://koppel:hunter2@127.0.0.1:5432/koppel")).toBe("postgres://koppel:***@127.0.0.1:5432/koppel");
    expect(withoutPassword("postgres://koppel@db/koppel?password=hunter2&sslmode=require")).toBe("postgres://koppel@db/koppel?password=***&sslmode=require");
    expect(withoutPassword("postgres://:hunter2@db/koppel")).toBe("postgres://:***@db/koppel");
    expect(withoutPassword("postgres://koppel:hun@ter2@db/koppel")).toBe("postgres://koppel:***@db/koppel");
    expect(withoutPassword("sqlite:./data/koppel.db")).toBe("sqlite:./data/koppel.db");
  });
});

describe("checkStoreUrl", () => {
  it("refuses a URL it cannot open without printing its password", () => {
    expect(() => checkStoreUrl("postgress://koppel:Sup3rS3cret@db.internal/koppel")).toThrow(
      'store.url "postgress://koppel:***@db.internal/koppel": expected sqlite:<path>, sqlite::memory: or postgres://…',
    );
  });
});
