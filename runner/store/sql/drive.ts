import type { Program, Step } from "./program.ts";

/** Feeds each step's result back into the program until it returns. */
export function driveSync<T>(program: Program<T>, exec: (step: Step) => unknown): T {
  let next = program.next();
  while (!next.done) next = program.next(exec(next.value));
  return next.value;
}

/** A failing step is thrown into the program, so a program can catch it (a savepoint rolled back: inSavepoints). */
export async function driveAsync<T>(program: Program<T>, exec: (step: Step) => Promise<unknown>): Promise<T> {
  let next = program.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await exec(next.value);
    } catch (error) {
      next = program.throw(error);
      continue;
    }
    next = program.next(result);
  }
  return next.value;
}
