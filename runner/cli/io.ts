/** Where a command writes; tests pass buffers, the CLI passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when `err` is a terminal, so progress lines may overwrite each other. */
  readonly interactive?: boolean;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  interactive: Boolean(process.stderr.isTTY),
};

export function bufferIO(): CliIO & { stdout: () => string; stderr: () => string } {
  let o = "";
  let e = "";
  return {
    out: (t) => void (o += t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => void (e += t.endsWith("\n") ? t : `${t}\n`),
    stdout: () => o,
    stderr: () => e,
  };
}
