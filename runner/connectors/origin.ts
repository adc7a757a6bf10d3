/** Scheme, host and port of a URL; the text itself when it is none, so it matches no allowed origin. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
