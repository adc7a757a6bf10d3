import type { HeaderReader, VerifyResult, WebhookSourceConfig } from "./types.ts";
import { ConfigError } from "../../../common/errors.ts";

/**
 * Addresses are held as 16 bytes with IPv4 in its IPv4-mapped form (::ffff:a.b.c.d), so a v4 rule
 * also matches a dual-stack socket that reports `::ffff:10.0.0.7`, with one comparison routine.
 */
export interface Cidr {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address. Undefined when it does not parse. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = "", prefix, ...rest] = text.trim().split("/");
  if (rest.length > 0) return undefined;
  const v4 = parseIpv4(address);
  const bytes = v4 ? mapped(v4) : parseIpv6(address);
  if (!bytes) return undefined;
  const offset = v4 ? 96 : 0;
  if (prefix === undefined) return { bytes, bits: 128 };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > 128 - offset) return undefined;
  return { bytes, bits: Number(prefix) + offset };
}

/** IPv4 or IPv6 (zone id dropped) as 16 bytes; undefined when it is not an address. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  return v4 ? mapped(v4) : parseIpv6(text);
}

export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  const whole = cidr.bits >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== address[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((cidr.bytes[whole] ?? 0) & mask) === ((address[whole] ?? 0) & mask);
}

export type AddressMatcher = (address: string) => boolean;

const compiled = new WeakMap<readonly string[], AddressMatcher>();

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
  const matcher: AddressMatcher = (text) => {
    const address = parseIp(stripPort(text.trim()));
    return address !== undefined && cidrs.some((cidr) => cidrContains(cidr, address));
  };
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

function mapped(v4: readonly number[]): Uint8Array {
  return Uint8Array.from([...MAPPED_PREFIX, ...v4]);
}

/** Strict dotted quad: leading zeros are refused because some parsers read them as octal. */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const address = text.replace(/%.*$/, "");
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? "", true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return Uint8Array.from(words.flatMap((w) => [w >> 8, w & 0xff]));
}

/** Colon-separated hex words; at the end of the address a dotted IPv4 counts as two words. */
function groups(text: string, endsAddress: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const words: number[] = [];
  for (const [i, part] of parts.entries()) {
    const v4 = endsAddress && i === parts.length - 1 ? parseIpv4(part) : undefined;
    if (v4) words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    else if (/^[0-9a-f]{1,4}$/i.test(part)) words.push(parseInt(part, 16));
    else return undefined;
  }
  return words;
}

/** Some proxies write `1.2.3.4:5678` or `[2001:db8::1]:443` into X-Forwarded-For. */
function stripPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1] as string;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4WithPort ? (v4WithPort[1] as string) : text;
}
