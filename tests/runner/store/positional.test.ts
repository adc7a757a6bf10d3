import { describe, expect, it } from "vitest";
import { openSqliteStore, positional } from "../../../runner/store/sqlite.ts";
import { all, one } from "../../../runner/store/sql/program.ts";

describe("SQLite placeholders", () => {
  it("become anonymous ones in the order they occur, a repeated number taken again, quoted text left alone", () => {
    expect(positional("INSERT INTO t VALUES ($2, $1, $2, '$3', 'it''s $4', $10)")).toEqual({
      sql: "INSERT INTO t VALUES (?, ?, ?, '$3', 'it''s $4', ?)",
      order: [1, 0, 1, 9],
    });
    expect(positional("SELECT 1")).toEqual({ sql: "SELECT 1", order: [] });
  });

  it("bind each number's value wherever it occurs; a number without a value is an error, not NULL", async () => {
    const store = openSqliteStore(":memory:");
    const driver = store.driver;
    const row = await driver.read(one<Record<string, unknown>>("SELECT $2 AS b, $1 AS a, $2 AS again, '$1' AS text, $3 AS flag, $4 AS missing", ["x", 7, true, undefined]));
    expect(row).toEqual({ b: 7, a: "x", again: 7, text: "$1", flag: 1, missing: null });
    await expect(driver.read(all("SELECT $1 AS a, $2 AS b", ["only one"]))).rejects.toThrow("$2 has no value (1 given)");
    await store.close();
  });
});
