/**
 * A store URL fit to print: a password becomes ***, in the user part (also with an `@` in it or no
 * user name) and in a `password` query parameter, which pg reads too.
 */
export function withoutPassword(url: string): string {
  if (!/^\w+:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, "***");
    return parsed.toString();
  } catch {
    // Not a URL the parser takes: keep nothing between the scheme and the last @.
    return url.replace(/^(\w+:\/\/).*@/, "$1***@");
  }
}
