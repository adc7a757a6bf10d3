import { describe, expect, it } from "vitest";
import { parseCidr, parseIp } from "../../../../common/ip-address.ts";
import { addressMatcher, checkCaller, clientAddress } from "../../../../runner/triggers/verify/ipAllow.ts";
import type { WebhookSourceConfig } from "../../../../runner/triggers/verify/types.ts";

describe("parseIp", () => {
  it("maps IPv4 into the IPv4-mapped IPv6 range", () => {
    expect(parseIp("10.1.2.3")).toEqual(parseIp("::ffff:10.1.2.3"));
    expect(parseIp("10.1.2.3")).toEqual(parseIp("::ffff:a01:203"));
  });

  it.each(["::", "::1", "2001:db8::1", "fe80::1%eth0", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8"])("parses %s", (text) => {
    expect(parseIp(text)).toHaveLength(16);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1.2.3.4::", "g::1", "12345::", "unknown"])(
    "rejects %j",
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );
});

describe("parseCidr", () => {
  it("reads a single address as a full-length prefix", () => {
    expect(parseCidr("192.0.2.7")?.bits).toBe(128);
    expect(parseCidr("2001:db8::7")?.bits).toBe(128);
  });

  it("shifts IPv4 prefixes into the mapped range", () => {
    expect(parseCidr("10.0.0.0/8")?.bits).toBe(104);
  });

  it.each(["10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/-1", "nonsense/8"])("rejects %j", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe("addressMatcher", () => {
  const allowed = addressMatcher(["10.0.0.0/8", "192.0.2.7", "2001:db8:abcd::/48", "172.16.0.0/12"]);

  it.each([
    ["10.200.3.4", true],
    ["11.0.0.1", false],
    ["192.0.2.7", true],
    ["192.0.2.8", false],
    ["::ffff:10.9.9.9", true],
    ["::ffff:11.9.9.9", false],
    ["2001:db8:abcd:12::1", true],
    ["2001:db8:abce::1", false],
    ["172.31.255.255", true],
    ["172.32.0.0", false],
    ["10.1.2.3:8443", true],
    ["[2001:db8:abcd::5]:443", true],
    ["garbage", false],
  ])("%s → %s", (address, expected) => {
    expect(allowed(address)).toBe(expected);
  });

  it("matches IPv6 prefixes that do not end on a byte boundary", () => {
    const match = addressMatcher(["2001:db8::/33"]);
    expect(match("2001:db8:7fff::1")).toBe(true);
    expect(match("2001:db8:8000::1")).toBe(false);
  });

  it("0.0.0.0/0 covers every IPv4 address but no native IPv6 one", () => {
    const anyV4 = addressMatcher(["0.0.0.0/0"]);
    expect(anyV4("203.0.113.9")).toBe(true);
    expect(anyV4("2001:db8::1")).toBe(false);
  });

  it("throws on an entry that does not parse rather than dropping the rule", () => {
    expect(() => addressMatcher(["10.0.0.0/8", "10.0.0.0/40"])).toThrow(/10\.0\.0\.0\/40/);
  });

  it("matches nothing when the list is empty", () => {
    expect(addressMatcher([])("10.0.0.1")).toBe(false);
  });
});

describe("clientAddress", () => {
  const trusted = addressMatcher(["10.0.0.0/8"]);

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(clientAddress("203.0.113.9", "192.0.2.7", trusted)).toBe("203.0.113.9");
  });

  it("takes the hop the trusted proxy saw", () => {
    expect(clientAddress("10.0.0.2", "192.0.2.7", trusted)).toBe("192.0.2.7");
  });

  it("walks right to left past further trusted proxies and stops at the first untrusted hop", () => {
    expect(clientAddress("10.0.0.2", "198.51.100.1, 192.0.2.7, 10.0.0.3", trusted)).toBe("192.0.2.7");
  });

  it("does not let the client choose its address by prepending entries", () => {
    expect(clientAddress("10.0.0.2", "192.0.2.7, 203.0.113.66", trusted)).toBe("203.0.113.66");
  });

  it("falls back to the proxy when it sent no X-Forwarded-For", () => {
    expect(clientAddress("10.0.0.2", null, trusted)).toBe("10.0.0.2");
  });

  it("takes the leftmost hop when every hop is a trusted proxy", () => {
    expect(clientAddress("10.0.0.2", "10.0.0.9, 10.0.0.3", trusted)).toBe("10.0.0.9");
  });

  it("stops at an entry that is not an address, so it cannot match an allowlist", () => {
    expect(clientAddress("10.0.0.2", "192.0.2.7, unknown", trusted)).toBe("unknown");
  });
});

describe("checkCaller", () => {
  const config: WebhookSourceConfig = { verify: "none", allowIps: ["192.0.2.0/24"], trustedProxies: ["10.0.0.0/8"] };
  const xff = (value?: string) => new Headers(value ? { "x-forwarded-for": value } : {});

  it("allows any caller when the source has no allowIps", () => {
    expect(checkCaller("203.0.113.9", xff(), { verify: "none" })).toEqual({ ok: true });
  });

  it("allows nobody when allowIps is empty", () => {
    expect(checkCaller("192.0.2.1", xff(), { verify: "none", allowIps: [] })).toMatchObject({ ok: false, code: "WEBHOOK_IP" });
  });

  it("allows a listed direct peer, including its IPv4-mapped form", () => {
    expect(checkCaller("192.0.2.1", xff(), config).ok).toBe(true);
    expect(checkCaller("::ffff:192.0.2.1", xff(), config).ok).toBe(true);
  });

  it("allows a listed client behind a trusted proxy", () => {
    expect(checkCaller("10.1.1.1", xff("192.0.2.44"), config).ok).toBe(true);
  });

  it("refuses an unlisted client behind a trusted proxy and names the address", () => {
    expect(checkCaller("10.1.1.1", xff("203.0.113.9"), config)).toEqual({
      ok: false,
      code: "WEBHOOK_IP",
      reason: expect.stringContaining("203.0.113.9"),
    });
  });

  it("refuses a forged X-Forwarded-For from an untrusted peer", () => {
    expect(checkCaller("203.0.113.9", xff("192.0.2.44"), config)).toMatchObject({ ok: false, code: "WEBHOOK_IP" });
  });

  it("ignores X-Forwarded-For entirely when no proxies are trusted", () => {
    const direct: WebhookSourceConfig = { verify: "none", allowIps: ["192.0.2.0/24"] };
    expect(checkCaller("10.1.1.1", xff("192.0.2.44"), direct).ok).toBe(false);
  });
});
