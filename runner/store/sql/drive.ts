import type { Program, Step } from "./program.ts";

/** Feeds each step's result back into the program until it returns. */
export function driveSync<T>(program: Program<T>, exec: (step: Step) => unknown): T {
  let next = program.next();
  while (!next.done) next = program.next(exec(next.value));
  return next.value;
}

export async function driveAsync<T>(program: Program<T>, exec: (step: Step) => Promise<unknown>): Promise<T> {
  let next = program.next();
  while (!next.done) next = program.next(await exec(next.value));
  return next.value;
}
