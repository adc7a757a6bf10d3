/** Tiny argv parser: `--flag`, `--key value`, `--key=value`, positionals. */
export interface Args {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], valued: readonly string[] = []): Args {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) flags.set(key, inline);
    else if (valued.includes(key) && i + 1 < argv.length) flags.set(key, argv[++i] as string);
    else flags.set(key, true);
  }
  return { positionals, flags };
}

export function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}
