/** IP addresses and CIDR ranges, parsed strictly: webhook allowlists and the config check that refuses a bad entry share them. */

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
