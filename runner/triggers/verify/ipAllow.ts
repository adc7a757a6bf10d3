import type { HeaderReader, VerifyResult, WebhookSourceConfig } from "./types.ts";
import { ConfigError } from "../../../common/errors.ts";
import { boundedMemo } from "../../../common/bounded-memo.ts";
import { cidrContains, parseCidr, parseIp } from "../../../common/ip-address.ts";

export type AddressMatcher = (address: string) => boolean;

const compiled = new WeakMap<readonly string[], AddressMatcher>();
const KNOWN_ADDRESSES = 1024;

/**
 * Parses the list once per config object. A bad entry throws rather than being skipped, because a
 * silently dropped rule changes who gets in.
 */
export function addressMatcher(list: readonly string[]): AddressMatcher {
  const cached = compiled.get(list);
  if (cached) return cached;
  const cidrs = list.map((entry) => {
    const cidr = parseCidr(entry);
    if (!cidr) throw new ConfigError("INVALID_VALUE", `not an IP address or CIDR: ${JSON.stringify(entry)}`);
    return cidr;
  });
  // Webhooks come from a handful of addresses, each sending many: parsing the same text into bytes
  // again for every request was most of this check's cost (peers lat0).
  const matcher: AddressMatcher = boundedMemo((text) => {
    const address = parseIp(stripPort(text.trim()));
    return address !== undefined && cidrs.some((cidr) => cidrContains(cidr, address));
  }, KNOWN_ADDRESSES);
  compiled.set(list, matcher);
  return matcher;
}

/**
 * The caller's address. X-Forwarded-For is only believed when the peer is a trusted proxy, and is
 * walked right to left past further trusted proxies: entries left of the first untrusted hop were
 * written by the client and may be forged.
 */
export function clientAddress(peer: string, forwardedFor: string | null, isTrustedProxy: AddressMatcher): string {
  if (!isTrustedProxy(peer)) return peer;
  const hops = (forwardedFor ?? "").split(",").map((hop) => hop.trim()).filter((hop) => hop !== "");
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i] as string;
    if (!isTrustedProxy(client)) break;
  }
  return client;
}

/** The allowlist check for one request; sources without `allowIps` accept any caller. */
export function checkCaller(peer: string, headers: HeaderReader, config: WebhookSourceConfig): VerifyResult {
  if (config.allowIps === undefined) return { ok: true };
  const trusted = config.trustedProxies ? addressMatcher(config.trustedProxies) : () => false;
  const client = clientAddress(peer, headers.get("x-forwarded-for"), trusted);
  return addressMatcher(config.allowIps)(client)
    ? { ok: true }
    : { ok: false, code: "WEBHOOK_IP", reason: `caller ${client} is not in allowIps` };
}

/** Some proxies write `1.2.3.4:5678` or `[2001:db8::1]:443` into X-Forwarded-For. */
function stripPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1] as string;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4WithPort ? (v4WithPort[1] as string) : text;
}
