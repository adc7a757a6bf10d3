import { isIP } from "node:net";

/** Classic AFAS tokens: only `AfasToken base64(<token>…<data>HEX</data></token>)` is accepted (Profit 7). */

export const SANDBOX_TOKEN_DATA = "4B4F5050454C53414E44424F58544F4B454E30303030303030303030303030AA";
export const xmlToken = (data: string): string => `<token><version>1</version><data>${data}</data></token>`;
export const SANDBOX_TOKEN = xmlToken(SANDBOX_TOKEN_DATA);

/** Accepts a full XML token or only its data part and returns the data part in upper case. */
export function tokenData(token: string): string {
  const m = /<data>\s*([0-9a-f]+)\s*<\/data>/i.exec(token);
  return (m ? m[1]! : token.trim()).toUpperCase();
}

export function authorised(header: string | undefined, tokens: ReadonlySet<string>): boolean {
  const m = /^AfasToken\s+([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (!m) return false;
  const xml = Buffer.from(m[1]!, "base64").toString("utf8");
  if (!xml.includes("<token>")) return false;
  return tokens.has(tokenData(xml));
}

const v4 = (ip: string): number | null => {
  if (isIP(ip) !== 4) return null;
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
};

const normalise = (ip: string): string => ip.replace(/^::ffff:/i, "").toLowerCase();

/** Exact addresses (IPv4 or IPv6) and IPv4 CIDR ranges, as Profit 8 allows on the App connector. */
export function ipAllowed(address: string | undefined, allow: readonly string[]): boolean {
  if (!address) return false;
  const ip = normalise(address);
  return allow.some((entry) => {
    const [base, bits] = entry.split("/");
    if (bits === undefined) return normalise(base!) === ip;
    const a = v4(ip);
    const b = v4(normalise(base!));
    if (a === null || b === null) return false;
    const size = Number(bits);
    const mask = size === 0 ? 0 : (0xffffffff << (32 - size)) >>> 0;
    return ((a & mask) >>> 0) === ((b & mask) >>> 0);
  });
}

/** The Authorization header a correct client sends for `token`. */
export const afasTokenHeader = (token: string = SANDBOX_TOKEN): string => `AfasToken ${Buffer.from(token, "utf8").toString("base64")}`;
